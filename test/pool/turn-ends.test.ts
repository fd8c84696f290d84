/**
 * Every turn ends, over the pool with real (fake claude) processes and fault schedules: fast-check picks, per run,
 * messages that crash, hang, stall, print garbage, exit, fail or take long, and terminations, hibernations, pauses
 * and clean restarts of the pool at random points. After a final clean close, each session's stored stream must
 * hold exactly one terminal event (`TurnCompleted` or `TurnAborted`) per `MessageAccepted`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionPool } from '../../src/pool/index.js';
import { turnEndingProblems } from '../support/turn-ends.js';
import { openTestPool, request, streamEvents, waitForState } from './support.js';

const TEXTS = ['hello', '::crash', '::hang', '::stall', '::garbage 20', '::exit 3', '::error', '::slow 150', '::api-retry 1'] as const;

type Step =
  | { readonly kind: 'send'; readonly session: number; readonly text: (typeof TEXTS)[number] }
  | { readonly kind: 'terminate' | 'hibernate'; readonly session: number }
  | { readonly kind: 'pause'; readonly ms: number }
  | { readonly kind: 'restart' };

const SESSIONS = 2;
const session = fc.nat(SESSIONS - 1);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('send' as const), session, text: fc.constantFrom(...TEXTS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('terminate' as const), session }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hibernate' as const), session }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 700 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' } as const) },
);

/** Short limits so that hangs and stalls are detected within a run. */
const FAST_FAULTS = {
  'agent.turn_timeout': '1s',
  'agent.stall_timeout': '1s',
  'agent.interrupt_grace': '500ms',
  'error_recovery.max_consecutive_failures': 2,
};

async function runSchedule(steps: readonly Step[]): Promise<void> {
  const opened = await openTestPool(FAST_FAULTS);
  const { store } = opened;
  let pool: SessionPool = opened.pool;
  const ids: string[] = [];
  for (let i = 0; i < SESSIONS; i += 1) {
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready');
    ids.push(sessionId);
  }
  for (const step of steps) {
    switch (step.kind) {
      case 'send':
        // Refusals (closed, queue full) store nothing: only accepted messages must end.
        await pool.send(ids[step.session]!, { userId: 'ada', text: step.text });
        break;
      case 'terminate':
        await pool.terminate(ids[step.session]!, 'schedule');
        break;
      case 'hibernate':
        await pool.hibernate(ids[step.session]!, 'schedule');
        break;
      case 'pause':
        await new Promise((resolve) => setTimeout(resolve, step.ms));
        break;
      case 'restart':
        await pool.close();
        pool = await opened.reopen();
        break;
    }
  }
  await pool.close();
  for (const id of ids) {
    const events = await streamEvents(store, `session-${id}`);
    expect(turnEndingProblems(events), `session ${id}: ${events.map((event) => event.type).join(' ')}`).toEqual([]);
  }
}

describe('session pool: every turn ends', () => {
  it('under fault schedules, terminations, hibernations and clean restarts, every MessageAccepted has exactly one terminal event', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 3, maxLength: 10 }), (steps) => runSchedule(steps)),
      { numRuns: 6, endOnFailure: true },
    );
  }, 240_000);
});
