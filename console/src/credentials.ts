/**
 * The signed-in caller's credentials, kept in sessionStorage only (gone when the tab closes): an API key or a
 * JWT, or on a server without auth a user (and tenant) to act as. `headers()` says them as REST expects.
 */
const KEY = 'aicli.console.credentials';

/** What the caller signed in with. */
export type Credentials = { readonly kind: 'token'; readonly token: string } | { readonly kind: 'open'; readonly userId: string; readonly tenant: string };

/** A JWT has three base64url parts; anything else is taken for an API key. */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

export function loadCredentials(): Credentials | null {
  const text = sessionStorage.getItem(KEY);
  return text === null ? null : (JSON.parse(text) as Credentials);
}

export function saveCredentials(credentials: Credentials): void {
  sessionStorage.setItem(KEY, JSON.stringify(credentials));
}

export function clearCredentials(): void {
  sessionStorage.removeItem(KEY);
}

/** The REST headers for `credentials`. */
export function authHeaders(credentials: Credentials): Record<string, string> {
  if (credentials.kind === 'open') return { 'x-user-id': credentials.userId, ...(credentials.tenant === '' ? {} : { 'x-tenant-id': credentials.tenant }) };
  return JWT_SHAPE.test(credentials.token) ? { authorization: `Bearer ${credentials.token}` } : { 'x-api-key': credentials.token };
}

/** The WebSocket `hello` fields for `credentials`. */
export function helloFields(credentials: Credentials): Record<string, string> {
  if (credentials.kind === 'open') return { userId: credentials.userId, ...(credentials.tenant === '' ? {} : { tenant: credentials.tenant }) };
  return { token: credentials.token };
}
