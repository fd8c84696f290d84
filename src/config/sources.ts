/**
 * Reads the configuration sources into layers: the defaults file, the user's YAML file, `AICLI_*`
 * environment variables and command-line overrides.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import YAML from 'yaml';
import { err, ok, type Result } from 'neverthrow';
import type { ConfigError, ConfigIssue } from './errors.js';
import type { ConfigLayer } from './layers.js';
import { coerceText } from './coerce.js';
import { describeValue } from './validate.js';
import { formatKeyPath } from './paths.js';

/** Reads a YAML file into a layer; an empty file is an empty mapping. */
export function readYamlLayer(file: string): Result<ConfigLayer, ConfigError> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return err({ kind: 'ConfigFileUnreadable', file, reason: code === 'ENOENT' ? 'no such file' : message });
  }
  const document = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const first = document.errors[0];
  if (first) {
    const position = first.linePos?.[0] ?? { line: 1, col: 1 };
    return err({ kind: 'ConfigFileInvalidYaml', file, line: position.line, column: position.col, reason: firstLine(first.message) });
  }
  const values: unknown = document.toJS();
  if (values === null || values === undefined) return ok({ source: file, values: {} });
  if (typeof values !== 'object' || Array.isArray(values)) {
    return err({ kind: 'ConfigInvalid', issues: [{ source: file, path: '', message: `expected a mapping of keys at the top level, got ${describeValue(values)}` }] });
  }
  return ok({ source: file, values: values as Record<string, unknown> });
}

// Pretty yaml messages repeat the position and add a code frame: keep the sentence only.
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** Environment variables with a fixed meaning, besides the generic `AICLI__SECTION__KEY` form. */
export const ENV_VARIABLES = {
  AICLI_ADVANCED_FEATURES: ['advanced_features'],
  AICLI_HOST: ['server', 'host'],
  AICLI_PORT: ['server', 'port'],
  AICLI_STORE_URL: ['store', 'url'],
  AICLI_LOG_LEVEL: ['logging', 'level'],
} as const satisfies Record<string, readonly string[]>;

/** Names the variable that selects the config file. */
export const CONFIG_FILE_VARIABLE = 'AICLI_CONFIG_FILE';
const GENERIC_PREFIX = 'AICLI__';

/** A value given on the command line for a key path, with the flag that gave it. */
export interface ConfigOverride {
  readonly path: readonly string[];
  readonly value: string | number | boolean;
  readonly label: string;
}

/**
 * Turns `AICLI_*` variables into a layer; `AICLI__SESSION_POOL__MIN_SIZE=5` sets `session_pool.min_size`. Two
 * variables for one key (`AICLI_PORT` and `AICLI__SERVER__PORT`) that disagree are an error naming both.
 */
export function environmentLayer(env: Readonly<Record<string, string | undefined>>): Result<ConfigLayer, ConfigError> {
  const overrides: ConfigOverride[] = [];
  for (const [name, path] of Object.entries(ENV_VARIABLES)) {
    const value = env[name];
    if (value !== undefined && value !== '') overrides.push({ path, value, label: `environment variable ${name}` });
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(GENERIC_PREFIX) || value === undefined) continue;
    const path = name.slice(GENERIC_PREFIX.length).toLowerCase().split('__').filter((key) => key !== '');
    if (path.length > 0) overrides.push({ path, value, label: `environment variable ${name}` });
  }
  return overrideLayer('environment', overrides);
}

/** An override with its text converted to the type its key takes. */
interface TypedOverride {
  readonly path: readonly string[];
  readonly value: unknown;
  readonly label: string;
}

/**
 * Turns command-line overrides (or variables) into a layer whose keys are labelled with their flags. Within one
 * layer nothing outranks anything, so two overrides of one key (or of a key and the section holding it) must agree
 * once converted; otherwise the issue names both, the first as its source.
 */
export function overrideLayer(source: string, overrides: readonly ConfigOverride[]): Result<ConfigLayer, ConfigError> {
  const typed: TypedOverride[] = overrides.map(({ path, value, label }) => ({ path, label, value: typeof value === 'string' ? coerceText(path, value) : value }));
  const issues = conflicts(typed);
  if (issues.length > 0) return err({ kind: 'ConfigInvalid', issues });
  const labels = new Map<string, string>();
  let values: Record<string, unknown> = {};
  for (const { path, value, label } of typed) {
    values = mergeShallowPath(values, path, value);
    // Label the key and every enclosing key this override created, so an unknown section names the flag too.
    for (let length = path.length; length > 0; length--) {
      const dotted = path.slice(0, length).join('.');
      if (length === path.length || !labels.has(dotted)) labels.set(dotted, label);
    }
  }
  return ok({ source, values, labels });
}

/** One issue per later override that disagrees with an earlier one on the same key (or a key inside it). */
function conflicts(overrides: readonly TypedOverride[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  overrides.forEach((later, index) => {
    const earlier = overrides.slice(0, index).find((first) => overlaps(first.path, later.path) && !agree(first, later));
    if (earlier === undefined) return;
    // Compare like with like: a whole section against a key inside it is reported at the key.
    const [inner, outer] = earlier.path.length >= later.path.length ? [earlier, later] : [later, earlier];
    const outerValue = valueAt(outer.value, inner.path.slice(outer.path.length));
    const [first, second] = inner === earlier ? [inner.value, outerValue] : [outerValue, inner.value];
    issues.push({
      source: earlier.label,
      path: formatKeyPath([...inner.path]),
      message: `${describeValue(first)} disagrees with ${describeValue(second)} from ${later.label} (give the key one value)`,
    });
  });
  return issues;
}

/** Whether one path is the other or holds it. */
function overlaps(a: readonly string[], b: readonly string[]): boolean {
  const shorter = a.length <= b.length ? a : b;
  const longer = a.length <= b.length ? b : a;
  return shorter.every((key, index) => longer[index] === key);
}

/** Whether two overrides of overlapping paths set the same value where they overlap. */
function agree(a: TypedOverride, b: TypedOverride): boolean {
  const [inner, outer] = a.path.length >= b.path.length ? [a, b] : [b, a];
  return isDeepStrictEqual(inner.value, valueAt(outer.value, inner.path.slice(outer.path.length)));
}

/** The value under `path` inside `value`, or `undefined` when it has none. */
function valueAt(value: unknown, path: readonly string[]): unknown {
  let node = value;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function mergeShallowPath(target: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return target;
  if (rest.length === 0) return { ...target, [head]: value };
  const inner = target[head];
  const base = typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? (inner as Record<string, unknown>) : {};
  return { ...target, [head]: mergeShallowPath(base, rest, value) };
}
