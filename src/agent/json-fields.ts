/**
 * Tolerant readers for fields of a parsed JSON object: the CLI adds and drops optional keys between
 * versions, so a missing or mistyped field becomes `undefined` (or a default), never an exception.
 */

/** A plain JSON object, as `JSON.parse` gives it. */
export type JsonObject = Record<string, unknown>;

/** `value` as an object, or undefined. */
export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** A string field, or undefined. */
export function str(obj: JsonObject | undefined, key: string): string | undefined {
  const value = obj?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** A finite number field, or `fallback`. */
export function num(obj: JsonObject | undefined, key: string, fallback = 0): number {
  const value = obj?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** An array field of strings (non-strings dropped), or an empty array. */
export function strings(obj: JsonObject | undefined, key: string): string[] {
  const value = obj?.[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
