/**
 * The auto-recovery orchestrator's decisions. After a restart, a session whose last state had a process lost it
 * with the previous run: one waiting for a message is hibernated (its conversation resumes on the next message,
 * nothing was lost); one in the middle of something is told its agent crashed, so its machine recovers it with
 * `--resume` (its running turn is stored as `TurnAborted`, reason `agent-fault`, with the fault); one that was
 * already recovering gets a failed attempt, which starts a new one. A clean stop leaves only hibernated sessions,
 * so after one there is nothing to act on here. While running,
 * every session entering or leaving `recovering` is reported to the pool stream (`RecoveryReported`).
 */
import type { ResultAsync } from 'neverthrow';
import { POOL_EVENT, SESSION_EVENT, type PoolEvent, type RecoveryOutcome, type SessionEvent, type SessionStateValue } from '../../../machines/index.js';
import type { PoolError } from '../errors.js';

/** What the orchestrator needs from the pool. */
export interface RecoveryHooks {
  readonly now: () => number;
  readonly dispatch: (sessionId: string, event: SessionEvent) => ResultAsync<{ readonly accepted: boolean }, PoolError>;
  readonly record: (event: PoolEvent) => void;
  readonly logger: { warn(object: object, message?: string): void };
}

const RESTART_DETAIL = 'the server restarted; the agent process ended with it';

/** The event that moves a session left in `state` by a previous run onto a path to a live process, if any. */
export function restartEvent(state: SessionStateValue, at: number): SessionEvent | null {
  switch (state) {
    case 'ready':
    case 'idle':
      return { type: SESSION_EVENT.HIBERNATE, at, reason: 'restart' };
    case 'provisioning':
    case 'starting':
    case 'busy':
    case 'awaitingApproval':
    case 'interrupting':
    case 'resuming':
      return { type: SESSION_EVENT.AGENT_FAULT, at, fault: 'crash', detail: RESTART_DETAIL };
    case 'recovering':
      return { type: SESSION_EVENT.RECOVERY_FAILED, at, detail: RESTART_DETAIL };
    case 'hibernated':
    case 'failed':
    case 'terminated':
      return null;
  }
}

/** Sends each stored session its restart event; resolves with the ids it acted on. */
export async function recoverAfterRestart(hooks: RecoveryHooks, stored: readonly { readonly input: { readonly sessionId: string }; readonly state: SessionStateValue }[]): Promise<string[]> {
  const acted: string[] = [];
  await Promise.all(
    stored.map(async ({ input: { sessionId }, state }) => {
      const event = restartEvent(state, hooks.now());
      if (event === null) return;
      const sent = await hooks.dispatch(sessionId, event);
      if (sent.isErr()) hooks.logger.warn({ sessionId, error: sent.error }, 'pool: could not recover a session after restart');
      else if (sent.value.accepted) acted.push(sessionId);
    }),
  );
  return acted;
}

/**
 * The recovery outcome a session's transition from `before` to `after` reports, if any. A recovery succeeds when
 * the agent is back: `ready`, or straight `busy` when a message was queued meanwhile. A failed attempt that starts
 * another (`recovering` → `recovering`) is part of the same recovery; leaving for `hibernated` or `terminated`
 * ends it with neither outcome.
 */
export function recoveryTransition(before: SessionStateValue, after: SessionStateValue): RecoveryOutcome | null {
  if (before !== 'recovering' && after === 'recovering') return 'started';
  if (before === 'recovering' && (after === 'ready' || after === 'busy')) return 'succeeded';
  if (before !== 'failed' && after === 'failed') return 'failed';
  return null;
}

/** The pool event reporting `outcome` for `sessionId`. */
export function recoveryReport(sessionId: string, outcome: RecoveryOutcome, at: number, detail: string | null): PoolEvent {
  return { type: POOL_EVENT.RECOVERY_REPORTED, at, sessionId, outcome, detail };
}
