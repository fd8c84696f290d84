/**
 * Dotted key paths (`auth.api_keys[0].role`) used in messages, and the conversions to and from the
 * JSON-pointer form ajv reports (`/auth/api_keys/0/role`).
 */

/** A key path as a list of object keys and array indices. */
export type KeyPath = readonly (string | number)[];

/** `['auth', 'api_keys', 0, 'role']` → `auth.api_keys[0].role`. */
export function formatKeyPath(path: KeyPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

/** `/auth/api_keys/0/role` → `['auth', 'api_keys', 0, 'role']`. */
export function parseJsonPointer(pointer: string): KeyPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}
