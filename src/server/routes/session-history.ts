/**
 * `GET /sessions/:id/events` (a page of the session's stored events) and `GET /sessions/:id/state` (the session
 * as of a revision, folded by the replay function). Both read the store, so they work for ended sessions too.
 */
import fastJson from 'fast-json-stringify';
import { AUDIT_ACTION, type SessionContext, type SessionStateValue } from '../../../machines/index.js';
import { POOL_ERROR_KIND } from '../../pool/index.js';
import { isRuntimeErrorOf, recordedAt, replayStream, RUNTIME_ERROR_KIND, RUNTIME_EVENT_TYPE } from '../../runtime/index.js';
import { formatStoreError, isStreamNotFound, type RecordedEvent } from '../../store/index.js';
import type { ApiDeps } from '../api-deps.js';
import { audited } from '../audit-entry.js';
import { recordHistoryRead } from '../audit-hooks.js';
import { API_ERROR_CODES, apiError } from '../errors.js';
import type { Route } from '../http/types.js';
import { poolErrorToApi } from '../pool-errors.js';
import { COMMAND_PERMISSION, SESSION_COMMAND, sessionNotFound } from '../session-access.js';
import { runSessionCommand } from '../session-commands.js';
import { sessionStream } from '../session-lookup.js';
import { EVENTS_PAGE, EventPage, EventsQuery, StateAt, StateQuery, type SessionEvent } from './schemas.js';
import { SESSIONS_PATH } from './session-lifecycle.js';
import { declareRoute } from './session-route.js';
import { sessionView } from './session-view.js';

const TAGS = ['history'];
const serializePage = fastJson(EventPage);
const serializeState = fastJson(StateAt);

/** A stored event as clients see it: revision as a number, `at` in epoch ms (the store's time when the event has none). */
export function sessionEventOf(recorded: RecordedEvent): SessionEvent {
  return { revision: Number(recorded.revision), type: recorded.type, data: recorded.data, at: recordedAt(recorded) ?? recorded.recordedAt.getTime() };
}

/** Reading a session's history and its state as of a revision. */
export function sessionHistoryRoutes(deps: ApiDeps): Route[] {
  const { store, auth } = deps;
  return [
    declareRoute(auth, {
      method: 'GET',
      pattern: `${SESSIONS_PATH}/:id/events`,
      permission: COMMAND_PERMISSION.view,
      query: EventsQuery,
      docs: {
        summary: 'A page of the session\'s stored events, oldest first',
        tags: TAGS,
        params: { id: 'Session id' },
        responses: { 200: { description: 'Events from `from` on; `nextFrom` continues when more follow', schema: EventPage } },
        errors: [404],
      },
      handle: async ({ context, identity, query }) => {
        const id = context.params['id'] ?? '';
        const found = await runSessionCommand(deps, identity, id, { kind: SESSION_COMMAND.view }, context);
        if (found.isErr()) return found.error;
        recordHistoryRead(deps.audit, identity, id, query.from ?? 0, context);
        const limit = query.limit ?? EVENTS_PAGE.default;
        const read = await store.readStream(sessionStream(id), { from: BigInt(query.from ?? 0), maxCount: limit + 1 });
        if (read.isErr()) {
          return isStreamNotFound(read.error) ? sessionNotFound(id) : apiError(API_ERROR_CODES.unavailable, `cannot read session ${id}: ${formatStoreError(read.error)}`);
        }
        const page = read.value.slice(0, limit);
        const more = read.value.length > limit;
        const events = page.filter((event) => event.type !== RUNTIME_EVENT_TYPE.snapshotTaken).map(sessionEventOf);
        const last = page.at(-1);
        return { status: 200, serialize: serializePage, body: { events, nextFrom: more && last !== undefined ? Number(last.revision) + 1 : null } };
      },
    }),
    declareRoute(auth, {
      method: 'GET',
      pattern: `${SESSIONS_PATH}/:id/state`,
      permission: COMMAND_PERMISSION.view,
      query: StateQuery,
      docs: {
        summary: 'The session as of a revision (replayed from its stream); the latest without `at`',
        tags: TAGS,
        params: { id: 'Session id' },
        responses: { 200: { description: 'State and context at that revision', schema: StateAt } },
        errors: [404],
      },
      handle: async ({ context, identity, query }) => {
        const id = context.params['id'] ?? '';
        const found = await runSessionCommand(deps, identity, id, { kind: SESSION_COMMAND.view }, context);
        if (found.isErr()) return found.error;
        deps.audit.record(audited(AUDIT_ACTION.sessionStateRead, identity, context, query.at === undefined ? { sessionId: id } : { sessionId: id, revision: query.at }));
        const replayed = await replayStream(store, sessionStream(id), query.at === undefined ? {} : { at: BigInt(query.at) });
        if (replayed.isErr()) {
          const error = replayed.error;
          if (isRuntimeErrorOf(RUNTIME_ERROR_KIND.RevisionNotFound)(error)) {
            return apiError(API_ERROR_CODES.notFound, `session ${id} has no revision ${query.at}; its last is ${error.last}`, { last: Number(error.last) });
          }
          return poolErrorToApi({ kind: POOL_ERROR_KIND.Runtime, error });
        }
        const { revision, value } = replayed.value.state;
        const session = { value: value as SessionStateValue, context: replayed.value.state.context as SessionContext };
        return { status: 200, serialize: serializeState, body: { revision: Number(revision), state: session.value, context: sessionView(session, revision) } };
      },
    }),
  ];
}
