/**
 * A small structural diff of two JSON values, for showing operators what one event did to an actor's context.
 * Objects are compared key by key; arrays index by index when their lengths match, otherwise as one value (a
 * queue that shifted reads better as "before → after" than as every index changed). Paths look like
 * `failures.consecutive`, `participants[1].role`, `options["odd key"]`.
 */

/** One difference at `path`. */
export type ContextChange =
  | { readonly op: 'added'; readonly path: string; readonly after: unknown }
  | { readonly op: 'removed'; readonly path: string; readonly before: unknown }
  | { readonly op: 'changed'; readonly path: string; readonly before: unknown; readonly after: unknown };

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

const keyPath = (path: string, key: string): string => {
  if (!IDENTIFIER.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The differences that turn `before` into `after`, in key order (before's keys first); `[]` when equal. */
export function diffJson(before: unknown, after: unknown, path = ''): ContextChange[] {
  if (Object.is(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const changes: ContextChange[] = [];
    for (const [key, value] of Object.entries(before)) {
      const at = keyPath(path, key);
      if (!(key in after)) changes.push({ op: 'removed', path: at, before: value });
      else changes.push(...diffJson(value, after[key], at));
    }
    for (const [key, value] of Object.entries(after)) {
      if (!(key in before)) changes.push({ op: 'added', path: keyPath(path, key), after: value });
    }
    return changes;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, index) => diffJson(item, after[index], `${path}[${index}]`));
  }
  return [{ op: 'changed', path: path === '' ? '$' : path, before, after }];
}
