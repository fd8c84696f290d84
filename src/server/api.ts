/**
 * The whole client-facing API on one uWebSockets.js server: the REST routes and the WebSocket endpoint, over
 * the shared {@link ApiDeps}. `serve` and the end-to-end tests both build the server through here.
 */
import type { Route } from './http/types.js';
import { createHttpServer, type HttpServer } from './http-server.js';
import type { ApiDeps } from './api-deps.js';
import { openApiRoutes } from './routes/openapi.js';
import { sessionRoutes } from './routes/sessions.js';
import { mountWebSocket, type WebSocketHub } from './ws/index.js';

/** A server with the API mounted, and the WebSocket hub (closed with the server). */
export interface ApiServer {
  readonly http: HttpServer;
  readonly ws: WebSocketHub;
}

/** Builds the API server: `extraRoutes` (health …) plus the session routes and the WebSocket endpoint. */
export function createApiServer(deps: ApiDeps, extraRoutes: readonly Route[] = []): ApiServer {
  const routes = [...extraRoutes, ...sessionRoutes(deps)];
  const http = createHttpServer(deps.config, [...routes, ...openApiRoutes(routes)], deps.logger);
  const ws = mountWebSocket(http.app, deps);
  return { http, ws };
}
