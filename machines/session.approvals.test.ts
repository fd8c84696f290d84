import { describe, expect, it } from 'vitest';
import { sessionMachine } from './session.machine.js';
import { ev, testSessionInput as input } from './testing/session-fixtures.js';
import { specFor } from './testing/given-when-then.js';

const spec = specFor(sessionMachine, input);
// A turn t1 started at 30 (timeout at 10_030, stall at 3_030), asking at 100 for r1.
const busy = [ev.spawned(10), ev.ready(20), ev.msg(30, 't1')];
const asking = [...busy, ev.ask(100, 't1', 'r1')];
const answer = (behavior: 'allow' | 'deny', decidedBy: string, extra: Record<string, unknown> = {}) => ({
  type: 'answerApproval',
  params: { sessionId: 'sess-1', requestId: 'r1', turnId: 't1', toolName: 'Bash', requestedAt: 100, behavior, decidedBy, ...extra },
});

describe('session: tool approvals', () => {
  it('awaits a human for a request of the running turn, with the approval deadline instead of the turn\'s', () => {
    spec.given(busy).when(ev.ask(100, 't1', 'r1')).then({
      state: 'awaitingApproval',
      context: { pendingApproval: { requestId: 'r1', turnId: 't1', toolName: 'Bash', requestedAt: 100, expiresAt: 5_100 }, deadline: { name: 'approvalTimeout', at: 5_100 } },
      actions: [],
    });
    spec.given(busy).when(ev.ask(100, 'other', 'r1')).then({ accepted: false });
  });

  it('takes the first answer of an owner or editor, answers the agent, and resumes the turn with its timeout moved by the wait', () => {
    spec.given(asking).when(ev.answer(600, 'r1', 't1', 'alice', 'allow', true)).then({
      state: 'busy',
      context: { pendingApproval: null, alwaysAllowed: ['Bash'], currentTurn: { timeoutAt: 10_530, stallAt: 3_600 }, deadline: { name: 'stallTimeout', at: 3_600 } },
      actions: [answer('allow', 'human')],
    });
    spec.given([...asking, ev.answer(600, 'r1', 't1', 'alice', 'deny')]).when(ev.answer(700, 'r1', 't1', 'alice', 'allow')).then({ accepted: false });
  });

  it('refuses answers from viewers and strangers, and answers to another request', () => {
    spec.given([...asking, ev.join(50, 'vic', 'viewer')]).when(ev.answer(600, 'r1', 't1', 'vic', 'allow')).then({ accepted: false });
    spec.given(asking).when(ev.answer(600, 'r1', 't1', 'mallory', 'allow')).then({ accepted: false });
    spec.given(asking).when(ev.answer(600, 'r2', 't1', 'alice', 'allow')).then({ accepted: false });
  });

  it('denies at the deadline, recorded as an outcome', () => {
    spec.given(asking).when(ev.timer(5_100, 'approvalTimeout')).then({
      state: 'busy',
      context: { pendingApproval: null },
      actions: [answer('deny', 'timeout', { message: 'No one approved this tool use in time.' }), { type: 'closeApproval', params: { requestId: 'r1', turnId: 't1', toolName: 'Bash', reason: 'timeout', requestedAt: 100 } }],
    });
  });

  it('cancels the request when an interrupt ends the wait, then interrupts the agent', () => {
    const step = spec.given(asking).when(ev.interrupt(200)).then({ state: 'interrupting', context: { pendingApproval: null } });
    expect(step.actions.map((action) => action.type)).toEqual(['answerApproval', 'closeApproval', 'interruptAgent']);
    expect(step.actions[1]?.params).toMatchObject({ reason: 'interrupted' });
  });

  it('lets a policy decision through in busy and while a human is awaited, without a state change', () => {
    spec.given(busy).when(ev.policy(90, 't1', 'p1', 'allow')).then({
      state: 'busy',
      actions: [{ type: 'answerApproval', params: { sessionId: 'sess-1', requestId: 'p1', turnId: 't1', toolName: 'Read', requestedAt: null, behavior: 'allow', decidedBy: 'policy' } }],
    });
    spec.given(asking).when(ev.policy(200, 't1', 'p2', 'deny')).then({ state: 'awaitingApproval', context: { pendingApproval: { requestId: 'r1' } } });
  });
});
