/**
 * Calling the API with authentication on (HS256 JWTs, or configured API keys): the config overrides that turn it
 * on, a bearer header for a user of a tenant with a server role, and a REST call with those credentials.
 */
import { SignJWT } from 'jose';
import { sha256Hex } from '../../src/server/auth/index.js';

/** The JWT secret of {@link AUTH_ON}. */
export const TEST_JWT_SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

/** Config overrides for a server that authenticates with {@link TEST_JWT_SECRET}. */
export const AUTH_ON = { 'auth.enabled': true, 'auth.jwt.secret': TEST_JWT_SECRET } as const;

/** Configured API keys of {@link AUTH_WITH_KEYS}: an admin of `default`, an operator and a user (`ada`) of `acme`. */
export const TEST_API_KEYS = {
  admin: 'aik_test_admin_key_0123456789',
  operator: 'aik_test_operator_key_0123456789',
  user: 'aik_test_user_key_0123456789',
} as const;

/** Config overrides for a server that authenticates with {@link TEST_API_KEYS} (ids `root`, `ops`, `ada`). */
export const AUTH_WITH_KEYS = {
  'auth.enabled': true,
  'auth.api_keys': JSON.stringify([
    { id: 'root', key_sha256: sha256Hex(TEST_API_KEYS.admin), role: 'admin', tenant: 'default' },
    { id: 'ops', key_sha256: sha256Hex(TEST_API_KEYS.operator), role: 'operator', tenant: 'acme' },
    { id: 'ada', key_sha256: sha256Hex(TEST_API_KEYS.user), role: 'user', tenant: 'acme' },
  ]),
};

/** A signed token for `sub` of `tenant` with server role `role`. */
export const testJwt = (sub: string, tenant: string, role: string): Promise<string> =>
  new SignJWT({ sub, tenant, role }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(TEST_JWT_SECRET));

/** The `authorization` header of {@link testJwt}. */
export const bearerOf = async (sub: string, tenant = 'acme', role = 'user'): Promise<Record<string, string>> => ({ authorization: `Bearer ${await testJwt(sub, tenant, role)}` });

/** A response: status and parsed JSON body. */
export interface AuthReply {
  readonly status: number;
  readonly body: any;
}

/** Calls `method path` (under `/api/v1`) of `api` with `credentials` and an optional JSON body. */
export async function callWith(api: { readonly url: string }, method: string, path: string, credentials: Record<string, string>, body?: unknown): Promise<AuthReply> {
  const headers: Record<string, string> = { ...credentials, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
  const response = await fetch(`${api.url}/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}
