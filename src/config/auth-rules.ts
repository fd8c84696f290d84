/**
 * Rules for safe authentication settings: a usable JWT key (see jwt-keys.ts) and no unauthenticated server on an
 * address other machines can reach. Auth on with no credential configured is fine: the server generates a secret and
 * an admin key on first start (src/server/auth/generated-credentials.ts).
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
  if (!auth.enabled && !isLoopbackHost(server.host)) {
    issues.push({
      path: ['server', 'host'],
      message: `"${server.host}" is not a loopback address while auth.enabled is false: every caller who can reach it would be an admin (turn auth on, or bind 127.0.0.1)`,
    });
  }
  return issues;
}
