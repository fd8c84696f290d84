/** The fields that differ between two JSON values, as dotted paths with before/after (for the timeline). */
export interface Change {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

export function diff(before: unknown, after: unknown, path = ''): Change[] {
  if (Object.is(before, after)) return [];
  const bothObjects = typeof before === 'object' && typeof after === 'object' && before !== null && after !== null && Array.isArray(before) === Array.isArray(after);
  if (!bothObjects) return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: path === '' ? '(root)' : path, before, after }];
  const keys = new Set([...Object.keys(before as object), ...Object.keys(after as object)]);
  return [...keys].flatMap((key) => diff((before as Record<string, unknown>)[key], (after as Record<string, unknown>)[key], path === '' ? key : `${path}.${key}`));
}
