import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { replay } from './replay.js';
import { canSend, messageRefusal } from './session.access.js';
import { eventsAwaited, SESSION_AWAITS } from './session.awaits.js';
import { SESSION_EVENT, SESSION_EVENT_FROM_PERSISTED, SESSION_PERSISTED_NAME } from './session.events.js';
import { sessionMachine } from './session.machine.js';
import { SESSION_STATES } from './session.states.js';
import { ev, testSessionInput as input } from './testing/session-fixtures.js';
import { specFor } from './testing/given-when-then.js';

const spec = specFor(sessionMachine, input);
const options = input.options;
const started = [ev.spawned(10), ev.ready(20)];
const busy = [...started, ev.msg(30, 't1')];
const idle = [...busy, ev.done(40, 't1')];
const hibernated = [...idle, ev.timer(60_040, 'idleTimeout')];

describe('session: start', () => {
  it('provisions: asks for a spawn, arms the start deadline, makes the owner a participant', () => {
    const [snapshot] = [replay(sessionMachine, input, [])];
    expect(snapshot.value).toBe('provisioning');
    expect(snapshot.context.deadline).toEqual({ name: 'startTimeout', at: 1_000 });
    expect(snapshot.context.participants).toEqual([{ userId: 'alice', role: 'owner', joinedAt: 0 }]);
  });

  it('goes through starting to ready, keeping the start deadline until init', () => {
    spec.given([]).when(ev.spawned(10)).then({ state: 'starting', context: { agent: { pid: 100 }, deadline: { name: 'startTimeout', at: 1_000 } } });
    spec.given([ev.spawned(10)]).when(ev.ready(20)).then({
      state: 'ready',
      context: { claudeSessionId: 'claude-1', agent: { model: 'sonnet', tools: ['Read'] }, deadline: { name: 'idleTimeout', at: 60_020 } },
      actions: [],
    });
  });

  it('treats a missed start deadline as a hang and recovers with a fresh agent', () => {
    spec.given([ev.spawned(10)]).when(ev.timer(1_000, 'startTimeout')).then({
      state: 'recovering',
      context: { failures: { hangs: 1, consecutive: 1 }, agent: { pid: null }, deadline: { name: 'recoveryTimeout', at: 3_000 } },
      actions: [
        { type: 'killAgent', params: { sessionId: 'sess-1', pid: 100 } },
        { type: 'resumeAgent', params: { sessionId: 'sess-1', claudeSessionId: null, options } },
      ],
    });
  });

  it('ignores stale timers: early, or for a deadline it is not waiting for', () => {
    spec.given([ev.spawned(10)]).when(ev.timer(999, 'startTimeout')).then({ accepted: false });
    spec.given(started).when(ev.timer(70_000, 'startTimeout')).then({ accepted: false });
  });
});

describe('session: turns', () => {
  it('sends a message from the owner at once and arms the stall deadline (earlier than the turn timeout)', () => {
    spec.given(started).when(ev.msg(30, 't1')).then({
      state: 'busy',
      context: { currentTurn: { turnId: 't1', startedAt: 30, timeoutAt: 10_030, stallAt: 3_030 }, deadline: { name: 'stallTimeout', at: 3_030 } },
      actions: [{ type: 'sendToAgent', params: { sessionId: 'sess-1', turnId: 't1', userId: 'alice', text: 'text of t1' } }],
    });
  });

  it('refuses messages from viewers, strangers, and a turnId already taken', () => {
    spec.given([...started, ev.join(25, 'vic', 'viewer')]).when(ev.msg(30, 't1', 'vic')).then({ accepted: false });
    spec.given(started).when(ev.msg(30, 't1', 'mallory')).then({ accepted: false });
    spec.given(busy).when(ev.msg(31, 't1')).then({ accepted: false });
  });

  it('pushes the stall deadline on output for the current turn only', () => {
    spec.given(busy).when(ev.output(1_000, 't1')).then({ context: { lastActivityAt: 1_000, deadline: { name: 'stallTimeout', at: 4_000 } } });
    spec.given(busy).when(ev.output(1_000, 'other')).then({ accepted: false });
  });

  it('switches to the turn timeout once output keeps the stall deadline later', () => {
    spec.given([...busy, ev.output(5_000, 't1'), ev.output(8_000, 't1')]).when(ev.output(9_000, 't1')).then({
      context: { deadline: { name: 'turnTimeout', at: 10_030 } },
    });
  });

  it('queues messages while busy and sends the next one when the turn completes', () => {
    spec.given([...busy, ev.msg(31, 't2')]).when(ev.done(40, 't1')).then({
      state: 'busy',
      context: { currentTurn: { turnId: 't2', startedAt: 40 }, queuedMessages: [], usage: { inputTokens: 10, costUsd: 0.25, turns: 1 } },
      actions: [{ type: 'sendToAgent', params: { turnId: 't2', text: 'text of t2' } }],
    });
  });

  it('refuses a message when the queue is full', () => {
    spec.given([...busy, ev.msg(31, 't2'), ev.msg(32, 't3')]).when(ev.msg(33, 't4')).then({ accepted: false });
  });

  it('goes idle after a turn with nothing queued, and ignores a result for another turn', () => {
    spec.given(busy).when(ev.done(40, 't1')).then({ state: 'idle', context: { currentTurn: null, deadline: { name: 'idleTimeout', at: 60_040 } } });
    spec.given(busy).when(ev.done(40, 'tX')).then({ accepted: false });
  });

  it('interrupts on request from a writer, not from a viewer', () => {
    spec.given([...busy, ev.join(31, 'vic', 'viewer')]).when(ev.interrupt(32, 'vic')).then({ accepted: false });
    spec.given(busy).when(ev.interrupt(32)).then({
      state: 'interrupting',
      context: { currentTurn: { interruptedAt: 32 }, deadline: { name: 'interruptTimeout', at: 532 } },
      actions: [{ type: 'interruptAgent', params: { sessionId: 'sess-1', turnId: 't1' } }],
    });
    spec.given([...busy, ev.interrupt(32)]).when(ev.done(100, 't1')).then({ state: 'idle' });
  });

  it('interrupts a turn that outlives the turn timeout, and treats an unanswered interrupt as a hang', () => {
    const longTurn = [...busy, ev.output(3_000, 't1'), ev.output(6_000, 't1'), ev.output(9_000, 't1')];
    spec.given(longTurn).when(ev.timer(10_030, 'turnTimeout')).then({ state: 'interrupting' });
    spec.given([...longTurn, ev.timer(10_030, 'turnTimeout')]).when(ev.timer(10_530, 'interruptTimeout')).then({
      state: 'recovering',
      context: { failures: { hangs: 1 }, currentTurn: null },
      actions: [
        { type: 'abortTurns', params: { turnIds: ['t1'], reason: 'agent-fault' } },
        { type: 'killAgent' },
        { type: 'resumeAgent', params: { claudeSessionId: 'claude-1' } },
      ],
    });
  });

  it('treats a silent agent as stalled', () => {
    spec.given(busy).when(ev.timer(3_030, 'stallTimeout')).then({ state: 'recovering', context: { failures: { stalls: 1, consecutive: 1 } } });
  });
});

describe('session: faults and recovery', () => {
  it('counts each fault kind and keeps the queue through recovery', () => {
    spec.given([...busy, ev.msg(31, 't2')]).when(ev.fault(35, 'garbage')).then({
      state: 'recovering',
      context: { failures: { garbage: 1, consecutive: 1 }, lastFault: { kind: 'garbage', at: 35 }, queuedMessages: [{ turnId: 't2' }] },
    });
    spec.given([...busy, ev.msg(31, 't2'), ev.fault(35, 'exit')]).when(ev.recovered(50)).then({
      state: 'busy',
      context: { currentTurn: { turnId: 't2' }, agent: { pid: 200 } },
      actions: [{ type: 'sendToAgent', params: { turnId: 't2' } }],
    });
  });

  it('retries a failed recovery, and fails after maxConsecutiveFailures', () => {
    const faulted = [...busy, ev.fault(35, 'crash')];
    spec.given(faulted).when(ev.recoveryFailed(40)).then({
      state: 'recovering',
      context: { failures: { failedRecoveries: 1, consecutive: 2 }, deadline: { name: 'recoveryTimeout', at: 2_040 } },
      actions: [{ type: 'killAgent' }, { type: 'resumeAgent' }],
    });
    spec.given([...faulted, ev.recoveryFailed(40), ev.msg(41, 't2')]).when(ev.timer(2_040, 'recoveryTimeout')).then({
      state: 'failed',
      context: { failures: { consecutive: 3 }, queuedMessages: [], deadline: null },
      actions: [{ type: 'abortTurns', params: { turnIds: ['t2'], reason: 'failed' } }, { type: 'killAgent' }],
    });
  });

  it('fails at once when a fault exceeds the limit', () => {
    spec.given([...busy, ev.fault(35, 'crash'), ev.recovered(36), ev.fault(37, 'crash')]).when(ev.fault(39, 'hang')).then({ accepted: false });
    spec.given([...busy, ev.fault(35, 'crash'), ev.recovered(36)]).when(ev.fault(37, 'crash')).then({ state: 'recovering' });
    spec.given([...busy, ev.fault(35, 'crash'), ev.recovered(36), ev.msg(37, 't2'), ev.fault(38, 'crash'), ev.recovered(39)])
      .when(ev.fault(40, 'exit'))
      .then({ state: 'failed', context: { failures: { crashes: 2, exits: 1, consecutive: 3 } } });
  });

  it('a successful turn resets the consecutive count; an error result does not', () => {
    spec.given([...busy, ev.fault(35, 'crash'), ev.recovered(36), ev.msg(37, 't2')]).when(ev.done(38, 't2')).then({ context: { failures: { consecutive: 0, crashes: 1 } } });
    spec.given([...busy, ev.fault(35, 'crash'), ev.recovered(36), ev.msg(37, 't2')]).when(ev.done(38, 't2', true)).then({ context: { failures: { consecutive: 1 } } });
  });

  it('ignores faults where no live process is tracked', () => {
    spec.given([...busy, ev.fault(35, 'crash')]).when(ev.fault(36, 'exit')).then({ accepted: false });
    spec.given(hibernated).when(ev.fault(60_050, 'exit')).then({ accepted: false });
  });
});

describe('session: hibernation', () => {
  it('hibernates when idle for idleTimeoutMs, or when asked while waiting', () => {
    spec.given(idle).when(ev.timer(60_040, 'idleTimeout')).then({
      state: 'hibernated',
      context: { agent: { pid: null }, deadline: null, claudeSessionId: 'claude-1' },
      actions: [{ type: 'stopAgent', params: { sessionId: 'sess-1', pid: 100, reason: 'idleTimeout' } }],
    });
    spec.given(started).when(ev.hibernate(25)).then({ state: 'hibernated' });
  });

  it('hibernates mid-turn when asked (a clean shutdown): the running and queued turns are aborted with its reason', () => {
    spec.given([...busy, ev.msg(32, 't2')]).when({ type: 'HIBERNATE', at: 35, reason: 'shutdown' }).then({
      state: 'hibernated',
      context: { currentTurn: null, queuedMessages: [], agent: { pid: null }, deadline: null },
      actions: [
        { type: 'abortTurns', params: { turnIds: ['t1', 't2'], reason: 'shutdown' } },
        { type: 'stopAgent', params: { sessionId: 'sess-1', pid: 100, reason: 'shutdown' } },
      ],
    });
    spec.given(hibernated).when(ev.hibernate(60_100)).then({ accepted: false });
  });

  it('a message wakes it: resume with the claude session id, then send the message once ready', () => {
    spec.given(hibernated).when(ev.msg(70_000, 't2')).then({
      state: 'resuming',
      context: { queuedMessages: [{ turnId: 't2' }], deadline: { name: 'startTimeout', at: 71_000 } },
      actions: [{ type: 'resumeAgent', params: { sessionId: 'sess-1', claudeSessionId: 'claude-1', options } }],
    });
    spec.given([...hibernated, ev.msg(70_000, 't2'), ev.spawned(70_100, 300)]).when(ev.ready(70_200)).then({
      state: 'busy',
      context: { currentTurn: { turnId: 't2' }, agent: { pid: 300 } },
      actions: [{ type: 'sendToAgent', params: { turnId: 't2' } }],
    });
  });

  it('WAKE resumes without a message and lands in ready', () => {
    spec.given([...hibernated, ev.wake(70_000)]).when(ev.ready(70_200)).then({ state: 'ready' });
  });

  it('never hibernates on its own when idleTimeoutMs is null', () => {
    const noIdle = specFor(sessionMachine, { ...input, limits: { ...input.limits, idleTimeoutMs: null } });
    noIdle.given(started.slice(0, 1)).when(started[1]!).then({ state: 'ready', context: { deadline: null } });
  });
});

describe('session: participants', () => {
  it('adds, re-roles and removes non-owners; refuses duplicates, owner joins and owner changes', () => {
    spec.given(started).when(ev.join(30, 'bob', 'editor')).then({ context: { participants: [{ userId: 'alice' }, { userId: 'bob', role: 'editor', joinedAt: 30 }] } });
    spec.given([...started, ev.join(30, 'bob', 'editor')]).when(ev.join(31, 'bob', 'viewer')).then({ accepted: false });
    spec.given(started).when(ev.join(30, 'eve', 'owner')).then({ accepted: false });
    spec.given([...started, ev.join(30, 'bob', 'editor')]).when(ev.role(31, 'bob', 'viewer')).then({ context: { participants: [{}, { role: 'viewer' }] } });
    spec.given(started).when(ev.role(31, 'alice', 'viewer')).then({ accepted: false });
    spec.given([...started, ev.join(30, 'bob', 'editor')]).when(ev.role(31, 'bob', 'owner')).then({ accepted: false });
    spec.given([...started, ev.join(30, 'bob', 'editor')]).when(ev.role(31, 'bob', 'editor')).then({ accepted: false });
    spec.given(started).when(ev.leave(31, 'alice')).then({ accepted: false });
    spec.given([...started, ev.join(30, 'bob', 'editor')]).when(ev.leave(31, 'bob')).then({ context: { participants: [{ userId: 'alice' }] } });
  });

  it('keeps participants through faults, recovery and hibernation', () => {
    const history = [...started, ev.join(25, 'bob', 'viewer'), ev.msg(30, 't1'), ev.fault(35, 'crash'), ev.recovered(40), ev.hibernate(50)];
    expect(replay(sessionMachine, input, history).context.participants.map((p) => p.userId)).toEqual(['alice', 'bob']);
  });
});

describe('session: termination', () => {
  it('aborts pending turns, stops the agent, and accepts nothing afterwards', () => {
    spec.given([...busy, ev.msg(31, 't2')]).when(ev.terminate(50, 'user closed')).then({
      state: 'terminated',
      context: { endReason: 'user closed', deadline: null, currentTurn: null, queuedMessages: [] },
      actions: [
        { type: 'abortTurns', params: { turnIds: ['t1', 't2'], reason: 'terminated' } },
        { type: 'stopAgent', params: { pid: 100, reason: 'user closed' } },
      ],
    });
    spec.given([...busy, ev.terminate(50)]).when(ev.wake(60)).then({ accepted: false });
    expect(replay(sessionMachine, input, [...busy, ev.terminate(50)]).status).toBe('done');
  });
});

describe('session: runtime contract', () => {
  it('a live actor runs the provided side effects with their params, in order', () => {
    const calls: Array<[string, unknown]> = [];
    const live = sessionMachine.provide({
      actions: {
        spawnAgent: (_, params) => calls.push(['spawnAgent', params.sessionId]),
        sendToAgent: (_, params) => calls.push(['sendToAgent', params.text]),
        killAgent: (_, params) => calls.push(['killAgent', params.pid]),
        resumeAgent: (_, params) => calls.push(['resumeAgent', params.claudeSessionId]),
        abortTurns: (_, params) => calls.push(['abortTurns', params.turnIds]),
      },
    });
    const actor = createActor(live, { input }).start();
    for (const event of [...busy, ev.fault(35, 'crash')]) actor.send(event);
    expect(calls).toEqual([
      ['spawnAgent', 'sess-1'],
      ['sendToAgent', 'text of t1'],
      ['abortTurns', ['t1']],
      ['killAgent', 100],
      ['resumeAgent', 'claude-1'],
    ]);
    actor.stop();
  });
});

describe('session: helpers and tables', () => {
  it('canSend and messageRefusal answer like the machine', () => {
    const at = (history: typeof busy) => replay(sessionMachine, input, history);
    expect(canSend(at(started), 'alice')).toBe(true);
    expect(messageRefusal(at([...started, ev.join(25, 'vic', 'viewer')]), 'vic')).toBe('read-only');
    expect(messageRefusal(at(started), 'mallory')).toBe('not-a-participant');
    expect(messageRefusal(at([...busy, ev.msg(31, 't2'), ev.msg(32, 't3')]), 'alice')).toBe('queue-full');
    expect(messageRefusal(at([...busy, ev.terminate(50)]), 'alice')).toBe('session-closed');
  });

  it('lists every machine state, and each state handles what the awaits table says it waits for', () => {
    expect([...SESSION_STATES]).toEqual(Object.keys(sessionMachine.root.states));
    const rootEvents = sessionMachine.root.ownEvents;
    for (const state of SESSION_STATES) {
      const handled = new Set([...sessionMachine.root.states[state]!.ownEvents, ...(SESSION_AWAITS[state].kind === 'final' ? [] : rootEvents)]);
      for (const type of eventsAwaited(state)) expect(handled, `${state} handles ${type}`).toContain(type);
    }
  });

  it('maps every input type to one persisted name and back', () => {
    for (const type of Object.values(SESSION_EVENT)) expect(SESSION_EVENT_FROM_PERSISTED[SESSION_PERSISTED_NAME[type]]).toBe(type);
  });
});
