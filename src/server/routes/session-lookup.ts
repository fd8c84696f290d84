/**
 * Finding the session a request names, and checking the caller may do what they ask with it. Live (and
 * hibernated) sessions come from the pool; a session the pool has forgotten (terminated) is replayed from its
 * stream, so its view and history stay readable. Either way the revision is that of the last event folded.
 */
import { err, ok, type Result } from 'neverthrow';
import type { SessionContext, SessionStateValue } from '../../../machines/index.js';
import { POOL_ERROR_KIND } from '../../pool/index.js';
import { isRuntimeErrorOf, replayStream, RUNTIME_ERROR_KIND, STREAM_PREFIX } from '../../runtime/index.js';
import type { ApiDeps } from '../api-deps.js';
import type { Identity } from '../auth/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from '../errors.js';
import { poolErrorToApi } from '../pool-errors.js';
import { sessionAccessProblem, sessionNotFound, type SessionAction } from './session-access.js';

/** A session as a request found it. */
export interface FoundSession {
  readonly value: SessionStateValue;
  readonly context: SessionContext;
  /** Revision of the last event of its stream. */
  readonly revision: bigint;
  /** False once the pool has forgotten it (terminated): it was replayed from the store. */
  readonly live: boolean;
}

// Session ids are UUIDs today; anything outside this shape cannot name a stream and is simply not found.
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The stream of session `sessionId`. */
export const sessionStream = (sessionId: string): string => `${STREAM_PREFIX.session}${sessionId}`;

/** The session `sessionId`, or `not_found` (also for a malformed id), or the pool's or store's failure. */
export async function findSession(deps: Pick<ApiDeps, 'pool' | 'store'>, sessionId: string): Promise<Result<FoundSession, ApiError>> {
  if (!SESSION_ID.test(sessionId)) return err(sessionNotFound(sessionId));
  const current = await deps.pool.current(sessionId);
  if (current.isOk()) {
    const { snapshot, revision } = current.value;
    return ok({ value: snapshot.value, context: snapshot.context, revision, live: true });
  }
  if (current.error.kind !== POOL_ERROR_KIND.SessionNotFound) return err(poolErrorToApi(current.error));
  const replayed = await replayStream(deps.store, sessionStream(sessionId));
  if (replayed.isErr()) {
    return err(isRuntimeErrorOf(RUNTIME_ERROR_KIND.ActorNotFound)(replayed.error) ? sessionNotFound(sessionId) : poolErrorToApi({ kind: POOL_ERROR_KIND.Runtime, error: replayed.error }));
  }
  const { state } = replayed.value;
  return ok({ value: state.value as SessionStateValue, context: state.context as SessionContext, revision: state.revision, live: false });
}

/** {@link findSession}, then the caller's right to `action` on it (see `session-access.ts`). */
export async function findSessionFor(deps: Pick<ApiDeps, 'pool' | 'store'>, sessionId: string, identity: Identity, action: SessionAction): Promise<Result<FoundSession, ApiError>> {
  const found = await findSession(deps, sessionId);
  if (found.isErr()) return found;
  const problem = sessionAccessProblem(identity, found.value.context, action);
  return problem === null ? found : err(problem);
}

/** {@link findSessionFor} for acting on the session: one that has ended is a `conflict` naming its state. */
export async function findLiveSessionFor(deps: Pick<ApiDeps, 'pool' | 'store'>, sessionId: string, identity: Identity, action: SessionAction): Promise<Result<FoundSession, ApiError>> {
  const found = await findSessionFor(deps, sessionId, identity, action);
  if (found.isErr() || (found.value.live && found.value.value !== 'terminated')) return found;
  return err(apiError(API_ERROR_CODES.conflict, `session ${sessionId} is ${found.value.value} and takes no more requests`, { state: found.value.value }));
}
