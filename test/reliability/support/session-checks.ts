/**
 * Checks on the sessions of a running scenario server: that each answers a new message (its turn completes), and
 * waiting until none is in the middle of something, before histories are read.
 */
import { SESSION_PERSISTED_NAME } from '../../../machines/index.js';
import { postMessage, sessionHistory, sessionState } from './api.js';
import type { MessageLedger } from './message-ledger.js';
import { pollUntil, sleep } from './wait.js';

/** A session that did not answer a probe message. */
export interface Unanswered {
  readonly sessionId: string;
  readonly detail: string;
}

/** Answers a client asks again after a pause. */
const RETRY_STATUSES = new Set([429, 503]);

/** States in which a session is doing nothing and will not on its own (histories are final). */
const QUIET_STATES = new Set(['ready', 'idle', 'hibernated', 'failed', 'terminated']);

/**
 * Sends each session (owner `owners.get(id)`) a probe message over REST and waits up to `timeoutMs` for its
 * `TurnCompleted`; the probes go into the ledger. Resolves with the sessions that did not answer.
 */
export async function probeSessions(base: string, owners: ReadonlyMap<string, string>, ledger: MessageLedger, label: string, timeoutMs: number): Promise<Unanswered[]> {
  const results = await Promise.all(
    [...owners].map(async ([sessionId, userId]): Promise<Unanswered | null> => {
      const probe = ledger.create(sessionId, userId, label);
      const deadline = Date.now() + timeoutMs;
      let sent: { status: number; body: unknown; turnId?: string; revision?: number };
      // A well-behaved client: a full queue (429) or a refusing breaker (503) is asked again a little later.
      for (;;) {
        probe.attempts += 1;
        sent = await postMessage(base, sessionId, userId, probe.text, probe.clientMsgId).catch((error: unknown) => ({ status: 0, body: String(error) }));
        if (sent.turnId !== undefined || !RETRY_STATUSES.has(sent.status) || Date.now() > deadline) break;
        probe.refusals.push(String(sent.status));
        await sleep(200);
      }
      if (sent.turnId === undefined) {
        probe.refusals.push(String(sent.status));
        return { sessionId, detail: `probe refused: ${sent.status} ${JSON.stringify(sent.body)}` };
      }
      probe.ackTurnIds.push(sent.turnId);
      const turnId = sent.turnId;
      const from = sent.revision ?? 0;
      let last: string[] = [];
      const answered = await pollUntil(async () => {
        const events = await sessionHistory(base, sessionId, userId, from).catch(() => []);
        last = events.slice(-8).map((event) => event.type);
        return events.some((event) => event.type === SESSION_PERSISTED_NAME.TURN_COMPLETED && event.data['turnId'] === turnId);
      }, timeoutMs, 100);
      return answered ? null : { sessionId, detail: `no TurnCompleted for probe turn ${turnId} within ${timeoutMs} ms; last events: ${last.join(' ')}` };
    }),
  );
  return results.filter((result): result is Unanswered => result !== null);
}

/** Waits up to `timeoutMs` until every session is in a quiet state; resolves with those that are not. */
export async function awaitQuiet(base: string, owners: ReadonlyMap<string, string>, timeoutMs: number): Promise<Array<{ sessionId: string; state: string }>> {
  let busy: Array<{ sessionId: string; state: string }> = [];
  await pollUntil(async () => {
    const states = await Promise.all([...owners].map(async ([sessionId, userId]) => ({ sessionId, state: await sessionState(base, sessionId, userId).catch((error: unknown) => String(error)) })));
    busy = states.filter(({ state }) => !QUIET_STATES.has(state));
    return busy.length === 0;
  }, timeoutMs, 100);
  return busy;
}

/** Every session's whole history. */
export async function readHistories(base: string, owners: ReadonlyMap<string, string>): Promise<Map<string, Awaited<ReturnType<typeof sessionHistory>>>> {
  const entries = await Promise.all([...owners].map(async ([sessionId, userId]) => [sessionId, await sessionHistory(base, sessionId, userId)] as const));
  return new Map(entries);
}
