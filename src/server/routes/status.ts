/**
 * The read-only status API, read from the projections (folds of the event log) and, for facts that are not
 * events — processes alive right now, WebSocket connections — from the pool and the WebSocket hub:
 * `GET /api/v1/sessions` (list), `/api/v1/session-pool/status`, `/api/v1/websocket/status`, `/api/v1/breakers`,
 * and Prometheus text at `/api/v1/metrics` and `/metrics`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { allSessions, ERROR_RECOVERY, listSessions, POOL_STATUS, SESSION_LIST, type SessionSummary } from '../../../projections/index.js';
import type { Metrics } from '../../observability/metrics.js';
import type { ApiDeps } from '../api-deps.js';
import type { WebSocketStatus } from '../ws/index.js';
import { can, PERMISSION, seesTenant, type Identity } from '../auth/index.js';
import { API_ERROR_CODES, apiError } from '../errors.js';
import type { Route } from '../http/types.js';
import { SESSIONS_PATH } from './session-lifecycle.js';
import { declareRoute } from './session-route.js';

/** Where the status routes read from besides the projections. */
export interface StatusSources {
  readonly metrics: Metrics;
  /** The WebSocket hub's report (a getter: the hub is mounted after the routes). */
  readonly websocket: () => WebSocketStatus | undefined;
}

const LIST_LIMIT = { default: 50, max: 200 } as const;

const ListQuery = Type.Object(
  {
    state: Type.Optional(Type.String({ description: 'Comma-separated states to include; default: every state but terminated.' })),
    participant: Type.Optional(Type.String({ description: 'Only sessions this user takes part in.' })),
    tenant: Type.Optional(Type.String({ description: 'Admins only: another tenant (`*` for all).' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIST_LIMIT.max, description: `Page size; default ${LIST_LIMIT.default}.` })),
    cursor: Type.Optional(Type.String({ description: '`nextCursor` of the previous page.' })),
  },
  { additionalProperties: false },
);
type ListQuery = Static<typeof ListQuery>;

const LIVE_STATES = ['provisioning', 'starting', 'ready', 'busy', 'awaitingApproval', 'interrupting', 'idle', 'hibernated', 'resuming', 'recovering', 'failed'];

/** The list item of a session. */
const listItem = (summary: SessionSummary) => ({
  id: summary.sessionId,
  tenant: summary.tenant,
  owner: summary.owner,
  state: summary.state,
  participants: summary.participants,
  createdAt: summary.createdAt,
  lastActivityAt: summary.lastActivityAt,
  turns: summary.turns,
  usage: summary.usage,
  lastFault: summary.lastFault,
  revision: Number(summary.revision),
  endedAt: summary.endedAt,
  endReason: summary.endReason,
});

/** The status routes. */
export function statusRoutes(deps: ApiDeps, sources: StatusSources): Route[] {
  const { auth, pool, projections } = deps;
  const noStore = { 'cache-control': 'no-store' };

  const tenantFilter = (identity: Identity, asked: string | undefined): string | null | { error: string } => {
    if (asked === undefined) return identity.tenant;
    if (!can(identity, PERMISSION.allTenants)) return asked === identity.tenant ? asked : { error: 'only admins may list another tenant\'s sessions' };
    return asked === '*' ? null : asked;
  };

  return [
    declareRoute<never, typeof ListQuery>(auth, {
      method: 'GET',
      pattern: SESSIONS_PATH,
      permission: PERMISSION.readSessions,
      query: ListQuery,
      docs: {
        summary: 'List sessions (newest first): the caller\'s, or every session of the tenant for operators',
        tags: ['sessions'],
        responses: { 200: { description: 'One page of sessions and the cursor of the next' } },
        errors: [400, 403],
      },
      handle: async ({ identity, query }) => {
        const tenant = tenantFilter(identity, (query as ListQuery).tenant);
        if (tenant !== null && typeof tenant === 'object') return apiError(API_ERROR_CODES.forbidden, tenant.error);
        const q = query as ListQuery;
        // Without sessions:manage a caller sees only the sessions they take part in.
        const participant = can(identity, PERMISSION.manageSessions) ? q.participant : identity.userId;
        const states = q.state === undefined ? LIVE_STATES : q.state.split(',').map((state) => state.trim()).filter(Boolean);
        const page = listSessions(projections.state(SESSION_LIST), {
          tenant,
          states,
          ...(participant === undefined ? {} : { participant }),
          limit: q.limit ?? LIST_LIMIT.default,
          cursor: q.cursor ?? null,
        });
        if (page.isErr()) return apiError(API_ERROR_CODES.validationFailed, `query field "cursor": ${page.error.kind === 'InvalidCursor' ? 'not a cursor this server issued' : 'invalid'}`, { field: 'cursor' });
        return { status: 200, headers: noStore, body: { sessions: page.value.items.map(listItem), nextCursor: page.value.nextCursor } };
      },
    }),
    declareRoute(auth, {
      method: 'GET',
      pattern: '/api/v1/session-pool/status',
      permission: PERMISSION.readStatus,
      docs: {
        summary: 'Session pool status: sizes by state, processes, utilisation, thresholds, scaling history, evictions',
        tags: ['status'],
        responses: { 200: { description: 'The pool\'s status' } },
      },
      handle: async ({ identity }) => {
        const folded = projections.state(POOL_STATUS);
        const live = pool.status();
        const sessions = allSessions(projections.state(SESSION_LIST)).filter((session) => session.state !== 'terminated' && seesTenant(identity, session.tenant));
        return {
          status: 200,
          headers: noStore,
          body: {
            name: live.name,
            state: folded.poolState,
            target: folded.target,
            minSize: folded.minSize,
            maxSize: folded.maxSize,
            cap: live.cap,
            autoScaling: folded.autoScaling,
            thresholds: folded.thresholds,
            utilisation: live.utilisation,
            processes: live.processes,
            sessions: {
              total: sessions.length,
              byState: countBy(sessions.map((session) => session.state)),
              resident: live.sessions.resident,
            },
            memory: live.memory,
            scaling: folded.scaling,
            evictions: folded.evictions,
            lastLeak: folded.lastLeak,
            breakers: live.breakers,
            projectedAt: Number(projections.position),
          },
        };
      },
    }),
    declareRoute(auth, {
      method: 'GET',
      pattern: '/api/v1/websocket/status',
      permission: PERMISSION.readStatus,
      docs: {
        summary: 'WebSocket status: connections by state, subscribers per session, dropped clients by reason',
        tags: ['status'],
        responses: { 200: { description: 'The WebSocket endpoint\'s status' } },
      },
      handle: async () => {
        const report = sources.websocket();
        if (report === undefined) return apiError(API_ERROR_CODES.unavailable, 'the WebSocket endpoint is not running');
        return { status: 200, headers: noStore, body: report };
      },
    }),
    declareRoute(auth, {
      method: 'GET',
      pattern: '/api/v1/breakers',
      permission: PERMISSION.readStatus,
      docs: {
        summary: 'Circuit breakers (state, trips, failures) and agent recovery figures',
        tags: ['status'],
        responses: { 200: { description: 'Breakers and recoveries' } },
      },
      handle: async () => {
        const recovery = projections.state(ERROR_RECOVERY);
        return {
          status: 200,
          headers: noStore,
          body: { breakers: recovery.breakers, recoveries: recovery.recoveries, successRate: recovery.successRate, faultsByKind: recovery.faultsByKind },
        };
      },
    }),
    // A probe: not limited per address (the scraper's own key still has its per-caller limit).
    ...['/api/v1/metrics', '/metrics'].map((pattern) => ({
      ...declareRoute(auth, {
        method: 'GET',
        pattern,
        permission: PERMISSION.readStatus,
        docs: { summary: 'Prometheus metrics (text exposition format)', tags: ['status'], responses: { 200: { description: 'Metrics' } } },
        handle: async () => {
          const { body, contentType } = await sources.metrics.render();
          return { status: 200, headers: { 'content-type': contentType, ...noStore }, body, serialize: (text: string) => text };
        },
      }),
      probe: true,
    })),
  ];
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
