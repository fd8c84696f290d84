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

/** Wraps `handler` so it only runs for an authenticated caller holding `permission`. */
export function guarded(authenticator: Authenticator, permission: Permission, handler: IdentifiedHandler): RouteHandler {
  return async (context) => {
    const identity = await authenticator.fromHeaders(context.headers);
    if (identity.isErr()) return identity.error;
    if (!can(identity.value, permission)) {
      return apiError(API_ERROR_CODES.forbidden, `role ${identity.value.role} may not do this (needs ${permission})`);
    }
    return handler(context, identity.value);
  };
}
