/**
 * Environment variables and flags arrive as text; this turns text into the type the schema expects at a key
 * path (`"8080"` → 8080 for an integer, `"a,b"` → `["a","b"]` for a list). Text that does not fit is left as
 * text so validation reports it against the variable or flag that supplied it.
 */
import YAML from 'yaml';
import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema } from './schema.js';

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);
const NUMBER = /^[+-]?\d+(\.\d+)?$/;

/** The schema node at a key path, or undefined when the path names no known key. */
export function schemaAt(path: readonly string[]): TSchema | undefined {
  let node: TSchema | undefined = ConfigSchema;
  for (const key of path) {
    const properties: Record<string, TSchema> | undefined = (node as { properties?: Record<string, TSchema> } | undefined)?.properties;
    node = properties?.[key];
    if (node === undefined) return undefined;
  }
  return node;
}

/** Converts `text` to the type of the schema at `path`; unknown paths and misfits stay text. */
export function coerceText(path: readonly string[], text: string): unknown {
  return coerceToSchema(schemaAt(path), text);
}

function coerceToSchema(schema: TSchema | undefined, text: string): unknown {
  switch (schema?.type) {
    case 'integer':
    case 'number':
      return NUMBER.test(text.trim()) ? Number(text) : text;
    case 'boolean': {
      const word = text.trim().toLowerCase();
      return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : text;
    }
    case 'array': {
      if (text.trim().startsWith('[')) return parseFlow(text);
      const items = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
      return items.map((item) => coerceToSchema(schema.items as TSchema | undefined, item));
    }
    case 'object':
      return text.trim().startsWith('{') ? parseFlow(text) : text;
    default:
      return text;
  }
}

function parseFlow(text: string): unknown {
  try {
    return YAML.parse(text);
  } catch {
    return text;
  }
}
