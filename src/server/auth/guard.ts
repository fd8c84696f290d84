/**
 * Protecting routes: `guarded(authenticator, permission, handler)` authenticates the request, checks the role's
 * permission (`forbidden` otherwise) and hands the handler the caller's {@link Identity}.
 */
import { API_ERROR_CODES, apiError, type ApiError } from '../errors.js';
import type { HttpResponseSpec, RequestContext, RouteHandler } from '../http/types.js';
import type { Authenticator } from './authenticator.js';
import { can, type Identity, type Permission } from './identity.js';

/** A handler that knows who is calling. */
export type IdentifiedHandler = (context: RequestContext, identity: Identity) => HttpResponseSpec | ApiError | Promise<HttpResponseSpec | ApiError>;

/** `forbidden` when `identity`'s role lacks `permission` (the same answer over REST and WebSocket), else `null`. */
export function permissionProblem(identity: Identity, permission: Permission): ApiError | null {
  return can(identity, permission) ? null : apiError(API_ERROR_CODES.forbidden, `role ${identity.role} may not do this (needs ${permission})`);
}

/** Wraps `handler` so it only runs for an authenticated caller holding `permission`. */
export function guarded(authenticator: Authenticator, permission: Permission, handler: IdentifiedHandler): RouteHandler {
  return async (context) => {
    const identity = await authenticator.fromHeaders(context.headers, context);
    if (identity.isErr()) return identity.error;
    const problem = permissionProblem(identity.value, permission);
    if (problem !== null) authenticator.denied?.(identity.value, problem, context);
    return problem ?? handler(context, identity.value);
  };
}
