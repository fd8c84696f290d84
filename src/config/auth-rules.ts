/**
 * Rules for safe authentication settings: a usable JWT key (see jwt-keys.ts), some credential when auth is on, and
 * no unauthenticated server on an address other machines can reach.
 */
import { readJwtKeyMaterial } from './jwt-keys.js';
import { isLoopbackHost } from './loopback.js';
import type { ConfigValues } from './schema.js';
import type { SchemaIssue } from './validate.js';

/** The authentication problems of an otherwise valid configuration. */
export function checkAuthRules({ auth, server }: ConfigValues): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const jwtKey = readJwtKeyMaterial(auth.jwt);
  if (jwtKey.isErr()) issues.push(...jwtKey.error);
  else if (auth.enabled && auth.api_keys.length === 0 && jwtKey.value.kind === 'none') {
    issues.push(
      auth.jwt.algorithm === 'HS256'
        ? { path: ['auth', 'jwt', 'secret'], message: 'is required (at least 32 bytes) when auth is enabled without api_keys', blame: ['auth', 'enabled'] }
        : { path: ['auth', 'jwt', 'public_key_file'], message: `a public key (public_key_file or jwks_file) is required for ${auth.jwt.algorithm} when auth is enabled without api_keys`, blame: ['auth', 'enabled'] },
    );
  }
  if (!auth.enabled && !isLoopbackHost(server.host)) {
    issues.push({
      path: ['server', 'host'],
      message: `"${server.host}" is not a loopback address while auth.enabled is false: every caller who can reach it would be an admin (turn auth on, or bind 127.0.0.1)`,
    });
  }
  return issues;
}
