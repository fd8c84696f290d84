/**
 * Taking fields out of an event's `data` and putting them back, by path (`text`, `options.systemPrompt`). Never
 * mutates its input (events may be shared and frozen): every object on a path is copied before it changes.
 */
import type { JsonObject, JsonValue } from '../types.js';

/** A path into `data`, split into its keys. */
export type FieldPath = readonly string[];

/** Fields taken out: dotted path → value. */
export type TakenFields = Record<string, JsonValue>;

/** Splits dotted paths once (tables are compiled at start, not per event). */
export const compilePaths = (paths: readonly string[]): readonly FieldPath[] => paths.map((path) => path.split('.'));

/** A plain JSON object (not an array, not null). */
export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const has = (object: JsonObject, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/** `data` without the fields at `paths`, and those fields; `null` when none of them is present. */
export function takeFields(data: JsonObject, paths: readonly FieldPath[]): { rest: JsonObject; taken: TakenFields } | null {
  let rest = data;
  let taken: TakenFields | null = null;
  for (const path of paths) {
    const value = valueAt(rest, path);
    if (value === undefined) continue;
    taken ??= {};
    taken[path.join('.')] = value;
    rest = without(rest, path, 0);
  }
  return taken === null ? null : { rest, taken };
}

/**
 * `data` with each taken field put back at its path (objects missing on the way are created). With `owned`, `data`
 * is a copy the caller made and may be changed in place (objects below it are still copied before they change).
 */
export function putFields(data: JsonObject, taken: TakenFields, owned = false): JsonObject {
  let result = data;
  for (const dotted of Object.keys(taken)) {
    const value = taken[dotted] as JsonValue;
    if (owned && !dotted.includes('.')) setOwn(result as Record<string, JsonValue>, dotted, value);
    else result = withValue(result, dotted.split('.'), 0, value);
  }
  return result;
}

function valueAt(data: JsonObject, path: FieldPath): JsonValue | undefined {
  let node: JsonValue = data;
  for (const key of path) {
    if (!isJsonObject(node) || !has(node, key)) return undefined;
    node = node[key] as JsonValue;
  }
  return node;
}

/** Sets an own property, even one named `__proto__` (which plain assignment would take as the prototype). */
function setOwn(object: Record<string, JsonValue>, key: string, value: JsonValue): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

function without(object: JsonObject, path: FieldPath, depth: number): JsonObject {
  const key = path[depth] as string;
  // A copy built key by key: spreading and then deleting would leave V8 a slow dictionary-mode object.
  const copy: Record<string, JsonValue> = {};
  const last = depth === path.length - 1;
  for (const name of Object.keys(object)) {
    if (name !== key) setOwn(copy, name, object[name] as JsonValue);
    else if (!last) setOwn(copy, name, without(object[name] as JsonObject, path, depth + 1));
  }
  return copy;
}

function withValue(object: JsonObject, path: FieldPath, depth: number, value: JsonValue): JsonObject {
  const key = path[depth] as string;
  const copy: Record<string, JsonValue> = { ...object };
  if (depth === path.length - 1) copy[key] = value;
  else {
    const child = has(object, key) ? object[key] : undefined;
    copy[key] = withValue(isJsonObject(child) ? child : {}, path, depth + 1, value);
  }
  return copy;
}
