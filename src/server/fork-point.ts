/**
 * Where a fork of a session at a revision starts: the parent's stream is read from its first event up to that
 * revision, page by page, and folded by `foldForkPoint` (machines/session.fork.ts). A revision past the stream's head
 * is `revision_out_of_range`, naming the head.
 */
import { err, ok, type Result } from 'neverthrow';
import { foldForkPoint, NO_FORK_POINT, type ForkPoint } from '../../machines/index.js';
import { formatStoreError, isStreamNotFound, type EventStore } from '../store/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from './errors.js';
import { sessionNotFound } from './session-access.js';
import { sessionStream } from './session-lookup.js';

const PAGE = 1000;

/** The fork point of session `sessionId` at `revision` (`null`: no assistant message yet, a fresh start). */
export async function forkPointAt(store: EventStore, sessionId: string, revision: number): Promise<Result<ForkPoint | null, ApiError>> {
  let state = NO_FORK_POINT;
  let next = 0;
  while (next <= revision) {
    const read = await store.readStream(sessionStream(sessionId), { from: BigInt(next), maxCount: Math.min(PAGE, revision - next + 1) });
    if (read.isErr()) {
      return err(isStreamNotFound(read.error) ? sessionNotFound(sessionId) : apiError(API_ERROR_CODES.unavailable, `cannot read session ${sessionId}: ${formatStoreError(read.error)}`));
    }
    for (const event of read.value) state = foldForkPoint(state, event);
    const last = read.value.at(-1);
    if (last === undefined) break;
    next = Number(last.revision) + 1;
  }
  if (next <= revision) {
    const head = next - 1;
    return err(apiError(API_ERROR_CODES.revisionOutOfRange, `session ${sessionId} has no revision ${revision}; its last is ${head}`, { last: head }));
  }
  return ok(state.point);
}
