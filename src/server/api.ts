/**
 * The whole client-facing API on one uWebSockets.js server: the REST routes (sessions, status, metrics, the
 * OpenAPI document, `/me`), the operator console's page (`/console`) and the WebSocket endpoint, over the shared
 * {@link ApiDeps}, with the Prometheus metrics reading from the pool, the hub and the projections. `serve` and the end-to-end tests both build it here.
 * One set of rate limits (`security.rate_limits`) serves all three gates: the router checks each request's
 * address, the routes' authenticator each caller, the WebSocket endpoint its upgrades and `send` frames.
 */
import { ERROR_RECOVERY } from '../../projections/index.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { POOL_BREAKERS } from '../pool/index.js';
import { CLIENT_FRAME, SERVER_FRAME } from './ws/protocol.js';
import type { ApiDeps } from './api-deps.js';
import type { Route } from './http/types.js';
import { createHttpServer, type HttpServer } from './http-server.js';
import { auditedAuthenticator } from './auth/index.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { auditRoutes } from './routes/audit.js';
import { consoleRoutes } from './console/routes.js';
import { meRoutes } from './routes/me.js';
import { streamRoutes } from './routes/streams.js';
import { openApiRoutes } from './routes/openapi.js';
import { sessionRoutes } from './routes/sessions.js';
import { statusRoutes } from './routes/status.js';
import { tenantRoutes } from './routes/tenants.js';
import { mountWebSocket, watchKeyRevocations, type WebSocketHub } from './ws/index.js';
import { createRateLimits, limitedAuthenticator, rateLimitedError } from './rate-limit/index.js';

/** A server with the API mounted, the WebSocket hub (close it before the server) and the metrics. */
export interface ApiServer {
  readonly http: HttpServer;
  readonly ws: WebSocketHub;
  readonly metrics: Metrics;
}

/** Builds the API server: `extraRoutes` (health …), the session and status routes, the WebSocket endpoint. */
export function createApiServer(rawDeps: ApiDeps, extraRoutes: readonly Route[] = []): ApiServer {
  // Every route and the WebSocket endpoint authenticate through this one, so every refusal reaches the audit log.
  const deps: ApiDeps = { ...rawDeps, auth: auditedAuthenticator(rawDeps.auth, rawDeps.audit) };
  // The hub is mounted on the app the routes create; the routes and metrics read it through this binding.
  let ws: WebSocketHub | undefined;
  const metrics = createMetrics(
    {
      pool: () => deps.pool.status(),
      websocket: () => ws?.status(),
      recovery: () => deps.projections.state(ERROR_RECOVERY),
      auditDropped: () => deps.audit.dropped(),
      tenants: () => deps.budgets.metricTotals(),
    },
    {
      breakers: Object.values(POOL_BREAKERS),
      // Commonest first: a sent frame's type is found by comparing its start with each in turn.
      frameTypes: { received: Object.values(CLIENT_FRAME), sent: [SERVER_FRAME.event, ...Object.values(SERVER_FRAME).filter((type) => type !== SERVER_FRAME.event)] },
    },
  );
  deps.storeMetrics?.register(metrics.registry);
  // Live events only: those folded while catching up at start are history, not this process's counts (nor a new
  // `BudgetExhausted`: a turn's result that takes its tenant to a spending limit is recorded as one).
  const stopCounting = deps.projections.onUpdate(({ event, caughtUp }) => {
    if (!caughtUp) return;
    metrics.countEvent(event);
    deps.budgets.observe(event);
  });
  const limits = createRateLimits(deps.config.security.rate_limits, deps.clock, metrics.recordRateLimited);
  const routeDeps: ApiDeps = { ...deps, auth: limitedAuthenticator(deps.auth, limits.rest) };
  const routes = [
    ...extraRoutes,
    ...sessionRoutes(routeDeps),
    ...statusRoutes(routeDeps, { metrics, websocket: () => ws?.status() }),
    ...apiKeyRoutes(routeDeps),
    ...auditRoutes(routeDeps),
    ...tenantRoutes(routeDeps),
    ...meRoutes(routeDeps),
    ...streamRoutes(routeDeps),
  ];
  const http = createHttpServer(deps.config, [...routes, ...openApiRoutes(routes), ...consoleRoutes()], deps.logger, {
    observe: metrics.observeResponse,
    recordInternalError: () => metrics.recordInternalError('http'),
    limitAddress: (address) => {
      const refused = limits.rest.address(address);
      return refused === null ? null : rateLimitedError(refused);
    },
  });
  ws = mountWebSocket(http.app, deps, metrics, limits);
  const hub = ws;
  const stopWatching = watchKeyRevocations(deps.projections, hub);
  const stopCountingApprovals = countApprovals(deps.pool, metrics);
  return { http, ws: { ...hub, close: () => (stopWatching(), stopCounting(), stopCountingApprovals(), hub.close()) }, metrics };
}

/** Feeds the tool approval metrics from the pool's approval notices (only those: commits cost nothing here). */
function countApprovals(pool: ApiDeps['pool'], metrics: Metrics): () => void {
  return pool.subscribe(
    (notice) => {
      if (notice.kind === 'approvalRequested') metrics.recordApprovalRequested();
      else if (notice.kind === 'approvalDecided') metrics.recordApprovalDecided(notice.outcome, notice.decidedBy, notice.seconds);
    },
    ['approvalRequested', 'approvalDecided'],
  );
}
