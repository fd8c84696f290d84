/**
 * `GET /api/v1/streams/:stream/replay?at=`: a circuit breaker's or the pool's stream replayed with its machine (no side
 * effects), as the `replay` command does: per event the state it moved from and to and what it changed, and the
 * actor as of `at` (default: the end). Server-wide actors, so it takes `status:read`, like `/breakers`. Session streams
 * have their own routes, which apply the session's access rules (`/sessions/:id/events`, `/sessions/:id/state`).
 */
import { Type } from '@sinclair/typebox';
import { STREAM_PREFIX } from '../../../machines/index.js';
import { POOL_ERROR_KIND } from '../../pool/index.js';
import { isRuntimeErrorOf, replayStream, RUNTIME_ERROR_KIND, type StreamReplay } from '../../runtime/index.js';
import type { ApiDeps } from '../api-deps.js';
import { PERMISSION } from '../auth/index.js';
import { API_ERROR_CODES, apiError } from '../errors.js';
import type { Route } from '../http/types.js';
import { poolErrorToApi } from '../pool-errors.js';
import { declareRoute } from './session-route.js';

/** Streams this route replays: breakers' and pools'. */
const REPLAYABLE = [STREAM_PREFIX.breaker, STREAM_PREFIX.pool] as const;

const ReplayQuery = Type.Object(
  { at: Type.Optional(Type.Integer({ minimum: 0, description: 'Revision to replay up to (inclusive); default: the latest.' })) },
  { additionalProperties: false },
);

/** `200`: the entries up to `at` and the state there. */
export const StreamReplayView = Type.Object({
  stream: Type.String(),
  machine: Type.String(),
  state: Type.Object({ revision: Type.Integer(), value: Type.Unknown(), status: Type.String(), context: Type.Unknown() }),
  entries: Type.Array(
    Type.Object({
      revision: Type.Integer(),
      type: Type.String(),
      at: Type.Union([Type.Number(), Type.Null()]),
      from: Type.Unknown({ description: 'State value before the event; null for the first.' }),
      to: Type.Unknown(),
      accepted: Type.Boolean(),
      changes: Type.Array(Type.Unknown(), { description: '`{op, path, before?, after?}` per context field the event changed.' }),
    }),
  ),
});

const viewOf = (replay: StreamReplay) => ({
  stream: replay.stream,
  machine: replay.machine,
  state: { revision: Number(replay.state.revision), value: replay.state.value, status: replay.state.status, context: replay.state.context },
  entries: replay.entries.map((entry) => ({ revision: Number(entry.revision), type: entry.type, at: entry.at, from: entry.from, to: entry.to, accepted: entry.accepted, changes: entry.changes })),
});

/** The route. */
export function streamRoutes(deps: Pick<ApiDeps, 'auth' | 'store'>): Route[] {
  return [
    declareRoute<never, typeof ReplayQuery>(deps.auth, {
      method: 'GET',
      pattern: '/api/v1/streams/:stream/replay',
      permission: PERMISSION.readStatus,
      query: ReplayQuery,
      docs: {
        summary: 'A breaker\'s or the pool\'s stream replayed: each event\'s transition and context changes, and the actor as of a revision',
        tags: ['status'],
        params: { stream: '`breaker-<name>` or `pool-<name>`' },
        responses: { 200: { description: 'The replay', schema: StreamReplayView } },
        errors: [404],
      },
      handle: async ({ context, query }) => {
        const stream = context.params['stream'] ?? '';
        if (!REPLAYABLE.some((prefix) => stream.startsWith(prefix))) return apiError(API_ERROR_CODES.notFound, `no breaker or pool stream ${stream}`);
        const at = (query as { at?: number }).at;
        const replayed = await replayStream(deps.store, stream, at === undefined ? {} : { at: BigInt(at) });
        if (replayed.isOk()) return { status: 200, headers: { 'cache-control': 'no-store' }, body: viewOf(replayed.value) };
        const error = replayed.error;
        if (isRuntimeErrorOf(RUNTIME_ERROR_KIND.RevisionNotFound)(error)) return apiError(API_ERROR_CODES.notFound, `${stream} has no revision ${at}; its last is ${error.last}`, { last: Number(error.last) });
        if (isRuntimeErrorOf(RUNTIME_ERROR_KIND.ActorNotFound)(error)) return apiError(API_ERROR_CODES.notFound, `no stream ${stream}`);
        return poolErrorToApi({ kind: POOL_ERROR_KIND.Runtime, error });
      },
    }),
  ];
}
