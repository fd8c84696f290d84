/**
 * What the pool does with each committed session event: keeps the index in step, tells the API breaker of aborted
 * turns (a probe turn aborted is abandoned), reports recoveries to the pool stream, tells the pool's listeners, and
 * once a session hibernated or ended unloads its actor (forgetting a terminated one) and lets the warm target
 * follow.
 */
import type { SnapshotFrom } from 'xstate';
import { SESSION_OUTCOME_NAME, type PoolEvent, type SessionStateValue, type TurnAbortedData, type sessionMachine } from '../../../machines/index.js';
import { STREAM_PREFIX, type Clock, type Commit } from '../../runtime/index.js';
import type { PoolNotices } from '../notices.js';
import type { ApiTurnBreaker } from '../resilience/api-breaker.js';
import { recoveryReport, recoveryTransition } from '../resilience/recovery.js';
import type { SessionIndex } from './session-index.js';

/** What following commits works with. */
export interface CommitFollowerDeps {
  readonly index: SessionIndex;
  readonly apiBreaker: ApiTurnBreaker;
  readonly notices: PoolNotices;
  readonly clock: Clock;
  readonly record: (event: PoolEvent) => Promise<void>;
  /** Forgets a terminated session (index, idempotency keys, leases). */
  readonly forget: (sessionId: string) => void;
  readonly unload: (sessionId: string) => void;
  readonly reconcile: () => void;
}

/** A host observer's `committed` for the pool: acts on each session commit (other streams are ignored). */
export function followSessionCommits(deps: CommitFollowerDeps): (commit: Commit) => void {
  return (commit) => {
    if (!commit.stream.startsWith(STREAM_PREFIX.session)) return;
    const sessionId = commit.stream.slice(STREAM_PREFIX.session.length);
    const entry = deps.index.get(sessionId);
    const snapshot = commit.snapshot as SnapshotFrom<typeof sessionMachine>;
    const state = snapshot.value as SessionStateValue;
    if (entry !== undefined) {
      entry.state = state;
      entry.lastActiveAt = snapshot.context.lastActivityAt;
      entry.sharing = snapshot.context;
    }
    // Aborted turns are stored facts now, not effects: the API breaker hears of them here (a probe turn aborted is abandoned).
    for (const outcome of commit.outcomes) {
      if (outcome.type !== SESSION_OUTCOME_NAME.TURN_ABORTED) continue;
      const { turnId, reason } = outcome.data as TurnAbortedData;
      deps.apiBreaker.aborted([turnId], reason);
    }
    const recovery = recoveryTransition((commit.before as SnapshotFrom<typeof sessionMachine>).value as SessionStateValue, state);
    if (recovery !== null) void deps.record(recoveryReport(sessionId, recovery, deps.clock.now(), snapshot.context.lastFault?.detail ?? null));
    deps.notices.notify({ kind: 'commit', sessionId, commit: commit as Commit<typeof sessionMachine> });
    if (state === 'hibernated' || state === 'terminated') {
      if (state === 'terminated') deps.forget(sessionId);
      deps.unload(sessionId);
      deps.reconcile();
    }
  };
}
