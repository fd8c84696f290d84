/**
 * The shape of the names that end up as path segments on disk: a tenant id (each tenant's agents get
 * `<root>/<tenant>/…`) and each segment of a session's working directory. The rule is domain-level and pure, so it
 * lives with the machines, where the server (checking a caller's tenant), the pool (checking a handler's request)
 * and the agent (making the directories) all may read it.
 */

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Checks that `segment` is one safe path segment: 1-128 letters, digits, `.`, `_`, `-`, not starting with `.`, no `..`. */
export function isSafeSegment(segment: string): boolean {
  return SAFE_SEGMENT.test(segment) && segment !== '..' && !segment.includes('..');
}
