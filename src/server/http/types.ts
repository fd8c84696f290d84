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

/** One route: method, uWS pattern (`/api/v1/sessions/:id`) and handler. */
export interface Route {
  readonly method: HttpMethod;
  readonly pattern: string;
  readonly handler: RouteHandler;
  /** Whether the route reads a JSON body (POST/PUT/PATCH usually do). */
  readonly readsBody?: boolean;
}

/** Tells a handler result apart from an error. */
export function isApiError(value: HttpResponseSpec | ApiError): value is ApiError {
  return 'code' in value && 'message' in value && !('status' in value);
}
