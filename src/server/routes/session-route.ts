/**
 * Builds one session API route from a declaration: the permission `guarded` checks, the TypeBox schemas its
 * body and query are validated against (ajv, `validation_failed` naming the field), and its OpenAPI docs. The
 * documented schemas are the validating ones by construction, so the document cannot drift from the server.
 */
import type { Static, TSchema, TUnknown } from '@sinclair/typebox';
import { ok } from 'neverthrow';
import { guarded, type Authenticator, type Identity, type Permission } from '../auth/index.js';
import type { ApiError } from '../errors.js';
import type { HttpMethod, HttpResponseSpec, RequestContext, Route, RouteDocs } from '../http/types.js';
import { queryObject, validator } from './schemas.js';

/** What a route's handler gets: the request, the caller, and the validated body and query. */
export interface RouteCall<B, Q> {
  readonly context: RequestContext;
  readonly identity: Identity;
  readonly body: B;
  readonly query: Q;
}

/** A route as declared by the session modules. */
export interface RouteDeclaration<B extends TSchema, Q extends TSchema> {
  readonly method: HttpMethod;
  readonly pattern: string;
  readonly permission: Permission;
  readonly body?: B;
  readonly query?: Q;
  readonly docs: Omit<RouteDocs, 'auth' | 'body' | 'query'>;
  readonly handle: (call: RouteCall<Static<B>, Static<Q>>) => Promise<HttpResponseSpec | ApiError>;
}

/** The {@link Route} for `declaration`. An absent body counts as `{}` (not `null`), so required fields are reported by name. */
export function declareRoute<B extends TSchema = TUnknown, Q extends TSchema = TUnknown>(auth: Authenticator, declaration: RouteDeclaration<B, Q>): Route {
  const { method, pattern, permission, body, query, docs, handle } = declaration;
  const checkBody = body === undefined ? undefined : validator(body);
  const checkQuery = query === undefined ? undefined : validator(query, 'query');
  return {
    method,
    pattern,
    readsBody: body !== undefined,
    docs: { ...docs, auth: { permission }, ...(body === undefined ? {} : { body }), ...(query === undefined ? {} : { query }) },
    handler: guarded(auth, permission, async (context, identity) => {
      // Only an absent body counts as `{}`: a body of `null` is refused by the schema like any other non-object.
      const parsedBody = checkBody === undefined ? ok(undefined) : checkBody(context.body === undefined ? {} : context.body);
      if (parsedBody.isErr()) return parsedBody.error;
      const parsedQuery = checkQuery === undefined ? ok(undefined) : checkQuery(queryObject(context.query));
      if (parsedQuery.isErr()) return parsedQuery.error;
      return handle({ context, identity, body: parsedBody.value as Static<B>, query: parsedQuery.value as Static<Q> });
    }),
  };
}
