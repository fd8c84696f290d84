/** The shapes route handlers receive and return; nothing here touches uWebSockets.js objects. */
import type { ApiError } from '../errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler gets: everything copied out of the uWS request, which is only valid synchronously. */
export interface RequestContext {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body, or undefined when the request had none. */
  readonly body: unknown;
  /** The id the response carries as `x-request-id`; log it with anything about this request. */
  readonly requestId: string;
  /** The peer address of the connection (a proxy's, behind one), for the audit log. */
  readonly remoteAddress?: string;
}

/** A successful response. `serialize` overrides JSON.stringify (fast-json-stringify for hot routes). */
export interface HttpResponseSpec {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly serialize?: (body: never) => string;
}

/** A handler answers with a response or an error; thrown exceptions are bugs and become 500s. */
export type RouteHandler = (context: RequestContext) => HttpResponseSpec | ApiError | Promise<HttpResponseSpec | ApiError>;

/** A JSON Schema (TypeBox schemas are ones), as the OpenAPI document embeds it. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** One documented response of a route. */
export interface RouteResponseDocs {
  readonly description: string;
  /** The body's schema; none for an empty body. */
  readonly schema?: JsonSchema;
  /** Response headers worth naming (`location`, `retry-after`), with a description each. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * What the OpenAPI document says of a route. `body` and `query` must be the very schemas the route validates
 * with, so the document cannot drift from what the server accepts; error responses are listed by code.
 */
export interface RouteDocs {
  readonly summary: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  /** Whether credentials are needed (when `auth.enabled`); the permission the route checks, if any. */
  readonly auth?: { readonly permission: string } | 'none';
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: JsonSchema;
  readonly body?: JsonSchema;
  /** Successful responses by status. */
  readonly responses: Readonly<Record<number, RouteResponseDocs>>;
  /** Error statuses the route may answer with, besides the ones every route can (400, 401, 405, 413, 414, 415, 429, 500, 503). */
  readonly errors?: readonly number[];
}

/** One route: method, uWS pattern (`/api/v1/sessions/:id`) and handler. */
export interface Route {
  readonly method: HttpMethod;
  readonly pattern: string;
  readonly handler: RouteHandler;
  /** Whether the route reads a JSON body (POST/PUT/PATCH usually do). */
  readonly readsBody?: boolean;
  /** What the OpenAPI document says of it; undocumented routes still appear, with a bare entry. */
  readonly docs?: RouteDocs;
  /**
   * A probe operators and load balancers poll (health, metrics): never refused by the per-address rate limit, so it
   * stays reachable when clients behind the same address (a proxy) are being limited.
   */
  readonly probe?: boolean;
}

/** Tells a handler result apart from an error. */
export function isApiError(value: HttpResponseSpec | ApiError): value is ApiError {
  return 'code' in value && 'message' in value && !('status' in value);
}
