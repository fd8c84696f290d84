import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUDGET_EVENT, SESSION_PERSISTED_NAME, type SessionEvent, sessionMachine, type SessionTimerName, start, step } from '../../machines/index.js';
import { ev, testSessionInput } from '../../machines/testing/session-fixtures.js';
import type { RecordedEvent } from '../store/index.js';
import { WEBHOOK_SOURCE_TYPES, webhookNotices } from './notices.js';

let position = 0n;
/** A stored event of `stream` as the runtime writes it (metadata `from`/`to`). */
function stored(stream: string, type: string, data: unknown, metadata: Record<string, unknown> = {}, revision = 3n): RecordedEvent {
  position += 1n;
  return { id: `00000000-0000-7000-8000-${String(position).padStart(12, '0')}`, stream, type, data: data as never, metadata: { at: 1_000, ...metadata } as never, revision, position, recordedAt: new Date(1_000) };
}
const USAGE = { inputTokens: 10, outputTokens: 20, cacheReadTokens: 3, cacheCreationTokens: 4 };

describe('webhookNotices', () => {
  it('tells a completed turn with its cost and usage, never its result text', () => {
    const notices = webhookNotices(stored('session-s1', 'TurnCompleted', { type: 'TURN_COMPLETED', at: 1, turnId: 't1', usage: USAGE, costUsd: 0.25, isError: false, result: 'secret plan' }, { from: 'busy', to: 'idle' }));
    expect(notices).toEqual([{ kind: 'turn.completed', sessionId: 's1', data: { turnId: 't1', revision: 3, costUsd: 0.25, usage: USAGE } }]);
    expect(JSON.stringify(notices)).not.toContain('secret plan');
  });

  it('tells a turn that ended in error, or was aborted by a fault or a failed session, as failed (without error text)', () => {
    const errored = webhookNotices(stored('session-s1', 'TurnCompleted', { turnId: 't1', usage: USAGE, costUsd: 0, isError: true, errors: ['API Error: key sk-…'] }));
    expect(errored).toEqual([{ kind: 'turn.failed', sessionId: 's1', data: { turnId: 't1', revision: 3, costUsd: 0, usage: USAGE, reason: 'error' } }]);
    expect(JSON.stringify(errored)).not.toContain('API Error');
    for (const reason of ['agent-fault', 'failed']) {
      expect(webhookNotices(stored('session-s1', 'TurnAborted', { turnId: 't2', reason, at: 1 }))).toEqual([{ kind: 'turn.failed', sessionId: 's1', data: { turnId: 't2', revision: 3, reason } }]);
    }
    for (const reason of ['terminated', 'shutdown', 'idle']) expect(webhookNotices(stored('session-s1', 'TurnAborted', { turnId: 't2', reason, at: 1 }))).toEqual([]);
  });

  it('tells the event that moved a session into failed, and only that one', () => {
    expect(webhookNotices(stored('session-s1', 'RecoveryFailed', { at: 1, detail: 'stderr: boom' }, { from: 'recovering', to: 'failed' }))).toEqual([
      { kind: 'session.failed', sessionId: 's1', data: { revision: 3, cause: 'RecoveryFailed' } },
    ]);
    expect(webhookNotices(stored('session-s1', 'AgentFaulted', { at: 1, fault: 'crash' }, { from: 'busy', to: 'failed' }))).toEqual([
      { kind: 'session.failed', sessionId: 's1', data: { revision: 3, cause: 'AgentFaulted', fault: 'crash' } },
    ]);
    expect(webhookNotices(stored('session-s1', 'RecoveryFailed', { at: 1 }, { from: 'recovering', to: 'recovering' }))).toEqual([]);
    expect(webhookNotices(stored('session-s1', 'SessionTerminated', { at: 1, reason: 'x' }, { from: 'failed', to: 'terminated' }))).toEqual([]);
  });

  it('tells an approval request with its ids and tool, never its input', () => {
    const notices = webhookNotices(stored('session-s1', SESSION_PERSISTED_NAME.APPROVAL_REQUESTED, { requestId: 'r1', turnId: 't1', toolName: 'Bash', toolUseId: 'tu1', input: { command: 'rm -rf /' }, suggestions: [], reason: null, at: 5_000 }));
    expect(notices).toEqual([{ kind: 'approval.requested', sessionId: 's1', data: { revision: 3, requestId: 'r1', turnId: 't1', toolName: 'Bash', toolUseId: 'tu1' } }]);
  });

  it('tells an exhausted budget for the tenant its data names, on any stream', () => {
    expect(webhookNotices(stored('budgets', BUDGET_EVENT.exhausted, { tenant: 'acme', limit: 'maxUsdPerDay', window: 20_000, used: 5.2, max: 5, resetsAt: 86_400_000, at: 1, note: { x: 1 } }))).toEqual([
      { kind: 'budget.exhausted', tenant: 'acme', data: { limit: 'maxUsdPerDay', window: 20_000, used: 5.2, max: 5, resetsAt: 86_400_000 } },
    ]);
    expect(webhookNotices(stored('budgets', BUDGET_EVENT.exhausted, { limit: 'maxUsdPerDay' }))).toEqual([]);
  });

  it('ignores every other event', () => {
    expect(webhookNotices(stored('session-s1', 'MessageAccepted', { turnId: 't1', text: 'hi' }, { from: 'idle', to: 'busy' }))).toEqual([]);
    expect(webhookNotices(stored('pool-main', 'TurnCompleted', { turnId: 't1', isError: false }))).toEqual([]);
  });
});

describe('the subscription filter', () => {
  const TIMERS: SessionTimerName[] = ['startTimeout', 'turnTimeout', 'stallTimeout', 'interruptTimeout', 'idleTimeout', 'recoveryTimeout'];
  const eventArb: fc.Arbitrary<(at: number) => SessionEvent> = fc.oneof(
    fc.constant((at: number) => ev.spawned(at)),
    fc.constant((at: number) => ev.ready(at)),
    fc.constant((at: number) => ev.msg(at, `t${at}`)),
    fc.constant((at: number) => ev.recovered(at)),
    fc.constant((at: number) => ev.recoveryFailed(at)),
    fc.constant((at: number) => ev.hibernate(at)),
    fc.constant((at: number) => ev.wake(at)),
    fc.constant((at: number) => ev.terminate(at)),
    fc.constantFrom('crash', 'hang', 'stall', 'garbage', 'exit' as const).map((fault) => (at: number) => ev.fault(at, fault)),
    fc.constantFrom(...TIMERS).map((name) => (at: number) => ev.timer(at, name)),
  );

  it('holds every session event type that can move a session into failed', () => {
    const causes = new Set<string>();
    fc.assert(
      fc.property(fc.array(fc.tuple(eventArb, fc.integer({ min: 1, max: 5_000 })), { maxLength: 60 }), (history) => {
        let snapshot = start(sessionMachine, testSessionInput).snapshot;
        let at = 0;
        for (const [make, gap] of history) {
          at += gap;
          const event = make(at);
          const next = step(sessionMachine, snapshot, event);
          if (next.accepted && next.snapshot.value === 'failed' && snapshot.value !== 'failed') {
            const type = SESSION_PERSISTED_NAME[event.type as keyof typeof SESSION_PERSISTED_NAME];
            causes.add(type);
            expect(WEBHOOK_SOURCE_TYPES).toContain(type);
          }
          snapshot = next.snapshot;
        }
      }),
      { numRuns: 300 },
    );
    // The histories do reach `failed`.
    expect(causes.size).toBeGreaterThan(0);
  });
});
