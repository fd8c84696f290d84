/**
 * Finding the session a request names. Live (and hibernated) sessions come from the pool, without waking a
 * hibernated one; a session the pool has forgotten (terminated) is replayed from its stream, so its view and
 * history stay readable. Either way the revision is that of the last event folded. Deciding whether the caller
 * may see or act on it is `session-commands.ts`'s job.
 */
import { err, ok, type Result } from 'neverthrow';
import type { SessionContext, SessionInput, SessionStateValue } from '../../machines/index.js';
import { POOL_ERROR_KIND } from '../pool/index.js';
import { isRuntimeErrorOf, replayStream, RUNTIME_ERROR_KIND, STREAM_PREFIX } from '../runtime/index.js';
import type { ApiDeps } from './api-deps.js';
import { API_ERROR_CODES, apiError, type ApiError } from './errors.js';
import { formatStoreError, isStreamNotFound } from '../store/index.js';
import { poolErrorToApi } from './pool-errors.js';
import { sessionNotFound } from './session-access.js';

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

/** Whether `sessionId` could name a session at all. */
export const isSessionId = (sessionId: string): boolean => SESSION_ID.test(sessionId);

/** The stream of session `sessionId`. */
export const sessionStream = (sessionId: string): string => `${STREAM_PREFIX.session}${sessionId}`;

/** The session `sessionId`, or `not_found` (also for a malformed id), or the pool's or store's failure. */
export async function findSession(deps: Pick<ApiDeps, 'pool' | 'store'>, sessionId: string): Promise<Result<FoundSession, ApiError>> {
  if (!isSessionId(sessionId)) return err(sessionNotFound(sessionId));
  const current = await deps.pool.current(sessionId);
  if (current.isOk()) {
    const { snapshot, revision } = current.value;
    return ok({ value: snapshot.value, context: snapshot.context, revision, live: true });
  }
  if (current.error.kind !== POOL_ERROR_KIND.SessionNotFound) return err(poolErrorToApi(current.error));
  return replayedSession(deps, sessionId);
}

/**
 * The session `sessionId` as its stream tells it (the pool has forgotten it), or `not_found`. With `screen`, the
 * stream's first event (the session's tenant) is judged before the rest is read: a refusal reads no further.
 */
export async function replayedSession(
  deps: Pick<ApiDeps, 'store'>,
  sessionId: string,
  screen?: (tenant: string) => ApiError | null,
): Promise<Result<FoundSession, ApiError>> {
  if (screen !== undefined) {
    const first = await deps.store.readStream(sessionStream(sessionId), { maxCount: 1 });
    if (first.isErr()) return err(isStreamNotFound(first.error) ? sessionNotFound(sessionId) : apiError(API_ERROR_CODES.unavailable, `cannot read session ${sessionId}: ${formatStoreError(first.error)}`));
    const tenant = (first.value[0]?.data as Partial<SessionInput> | undefined)?.tenant;
    const refused = typeof tenant === 'string' ? screen(tenant) : sessionNotFound(sessionId);
    if (refused !== null) return err(refused);
  }
  const replayed = await replayStream(deps.store, sessionStream(sessionId));
  if (replayed.isErr()) {
    return err(isRuntimeErrorOf(RUNTIME_ERROR_KIND.ActorNotFound)(replayed.error) ? sessionNotFound(sessionId) : poolErrorToApi({ kind: POOL_ERROR_KIND.Runtime, error: replayed.error }));
  }
  const { state } = replayed.value;
  return ok({ value: state.value as SessionStateValue, context: state.context as SessionContext, revision: state.revision, live: false });
}
