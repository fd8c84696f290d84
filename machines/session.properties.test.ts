import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SnapshotFrom } from 'xstate';
import { start, step, type Step } from './replay.js';
import { SESSION_AWAITS } from './session.awaits.js';
import { SESSION_EVENT as E, SESSION_OUTCOME_NAME, type FaultKind, type SessionEvent, type SessionTimerName } from './session.events.js';
import { sessionMachine } from './session.machine.js';
import { sessionOutcomes, type SessionOutcome } from './session.outcomes.js';
import type { AnswerApprovalParams } from './session.approvals.js';
import { ev, testSessionInput as input } from './testing/session-fixtures.js';
import { replayMismatch } from './testing/given-when-then.js';

type Snapshot = SnapshotFrom<typeof sessionMachine>;
interface StepRecord {
  before: Snapshot;
  event: SessionEvent;
  accepted: boolean;
  after: Snapshot;
  actions: Step<typeof sessionMachine>['actions'];
}

const USERS = ['alice', 'bob', 'vic', 'mallory'] as const;
const KINDS: FaultKind[] = ['crash', 'hang', 'stall', 'garbage', 'exit'];
const TIMERS: SessionTimerName[] = ['startTimeout', 'turnTimeout', 'stallTimeout', 'interruptTimeout', 'idleTimeout', 'recoveryTimeout', 'approvalTimeout'];
/** States with a process the machine tracks: the only ones where AGENT_FAULT counts (this test's own list). */
const LIVE = ['provisioning', 'starting', 'ready', 'busy', 'awaitingApproval', 'interrupting', 'idle', 'resuming'];
/** Fault deadlines and their kind (this test's own table). */
const TIMER_KIND: Partial<{ [K in SessionTimerName]: FaultKind }> = { startTimeout: 'hang', stallTimeout: 'stall', interruptTimeout: 'hang' };

/** The facts that move each state along (the generator's `progress` command picks one by `variant`). */
const PROGRESS: { [K in Snapshot['value']]: string[] } = {
  provisioning: ['spawned'],
  starting: ['ready'],
  ready: ['msg'],
  busy: ['done', 'output', 'interrupt', 'timer', 'ask', 'ask', 'policy'],
  awaitingApproval: ['answer', 'answer', 'timer', 'interrupt', 'done', 'policy', 'output'],
  interrupting: ['done', 'timer', 'output'],
  idle: ['msg', 'msg', 'timer'],
  hibernated: ['msg', 'wake'],
  resuming: ['ready'],
  recovering: ['recovered', 'recovered', 'recoveryFailed'],
  failed: ['terminate'],
  terminated: ['wake'],
};

const user = fc.constantFrom(...USERS);
const role = fc.constantFrom('editor' as const, 'viewer' as const);
const commandArb = fc.tuple(
  fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 70_000 })),
  fc.oneof(
    { weight: 8, arbitrary: fc.record({ k: fc.constant('progress' as const), variant: fc.nat(11) }) },
    { weight: 1, arbitrary: fc.constantFrom({ k: 'spawned' } as const, { k: 'ready' } as const, { k: 'recovered' } as const, { k: 'recoveryFailed' } as const) },
    { weight: 1, arbitrary: fc.constantFrom({ k: 'hibernate' } as const, { k: 'wake' } as const) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('msg' as const), user, reuse: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constantFrom('output' as const, 'done' as const), current: fc.boolean(), isError: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('interrupt' as const), user }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('fault' as const), kind: fc.constantFrom(...KINDS) }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('timer' as const), due: fc.boolean(), name: fc.constantFrom(...TIMERS) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constantFrom('join' as const, 'role' as const), user, role }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('leave' as const), user }) },
    { weight: 1, arbitrary: fc.constant({ k: 'terminate' } as const) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('ask' as const), current: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('answer' as const), user, allow: fc.boolean(), always: fc.boolean(), stale: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('policy' as const), allow: fc.boolean() }) },
  ),
);
const historyArb = fc.tuple(fc.array(commandArb, { maxLength: 70 }), fc.boolean());

/** Interprets commands against the running machine (so results and timers usually hit), recording every step. */
function run([commands, terminate]: [Array<[number, { k: string } & { [key: string]: unknown }]>, boolean]): StepRecord[] {
  let snapshot = start(sessionMachine, input).snapshot;
  let clock = 0;
  let turns = 0;
  let requests = 0;
  const records: StepRecord[] = [];
  const all = terminate ? [...commands, [0, { k: 'terminate' }] as const] : commands;
  for (const [dt, command] of all) {
    let c = command;
    if (c.k === 'progress') {
      const options = PROGRESS[snapshot.value];
      const k = options[(c['variant'] as number) % options.length] ?? 'wake';
      c = { k, user: 'alice', role: 'editor', current: true, isError: false, reuse: false, due: true, allow: c['variant'] as number % 2 === 0, always: false, stale: false };
    }
    clock += dt;
    const deadline = snapshot.context.deadline;
    if (c.k === 'timer' && c['due'] && deadline !== null) clock = Math.max(clock, deadline.at);
    const turn = snapshot.context.currentTurn?.turnId ?? `t${turns}`;
    const pending = snapshot.context.pendingApproval?.requestId ?? 'r-none';
    const event: SessionEvent =
      c.k === 'spawned' ? ev.spawned(clock, clock)
      : c.k === 'ready' ? ev.ready(clock)
      : c.k === 'recovered' ? ev.recovered(clock, clock)
      : c.k === 'recoveryFailed' ? ev.recoveryFailed(clock)
      : c.k === 'hibernate' ? ev.hibernate(clock)
      : c.k === 'wake' ? ev.wake(clock)
      : c.k === 'msg' ? ev.msg(clock, c['reuse'] ? `t${turns}` : `t${++turns}`, c['user'] as string)
      : c.k === 'output' ? ev.output(clock, c['current'] ? turn : 'nope')
      : c.k === 'done' ? ev.done(clock, c['current'] ? turn : 'nope', c['isError'] as boolean)
      : c.k === 'interrupt' ? ev.interrupt(clock, c['user'] as string)
      : c.k === 'fault' ? ev.fault(clock, c['kind'] as FaultKind)
      : c.k === 'timer' ? ev.timer(clock, c['due'] && deadline !== null ? deadline.name : (c['name'] as SessionTimerName))
      : c.k === 'join' ? ev.join(clock, c['user'] as string, c['role'] as 'editor')
      : c.k === 'role' ? ev.role(clock, c['user'] as string, c['role'] as 'editor')
      : c.k === 'leave' ? ev.leave(clock, c['user'] as string)
      : c.k === 'ask' ? ev.ask(clock, c['current'] ? turn : 'nope', `r${++requests}`)
      : c.k === 'answer' ? ev.answer(clock, c['stale'] ? `r${requests + 1}` : pending, turn, c['user'] as string, c['allow'] ? 'allow' : 'deny', c['always'] as boolean)
      : c.k === 'policy' ? ev.policy(clock, turn, `r${++requests}`, c['allow'] ? 'allow' : 'deny')
      : ev.terminate(clock);
    const next = step(sessionMachine, snapshot, event);
    records.push({ before: snapshot, event, accepted: next.accepted, after: next.snapshot, actions: next.actions });
    snapshot = next.snapshot;
  }
  return records;
}

/** The `TurnAborted` outcomes of a step. */
const turnsAborted = (actions: Step<typeof sessionMachine>['actions'], at: number) =>
  sessionOutcomes(actions, at).filter((outcome): outcome is Extract<SessionOutcome, { type: 'TurnAborted' }> => outcome.type === SESSION_OUTCOME_NAME.TURN_ABORTED);

const RUNS = { numRuns: 300 };
/** Checks `check` on the records of generated histories; the counterexample shown is the command list. */
const forAllHistories = (check: (records: StepRecord[]) => void, runs = RUNS) =>
  fc.assert(fc.property(historyArb, (history) => check(run(history as never))), runs);

describe('session properties', () => {
  it('is never stuck: bounded states always have a deadline, every deadline is one its state may arm and firing it moves on', () => {
    forAllHistories((records) => {
      for (const { after } of records) {
        const row = SESSION_AWAITS[after.value];
        expect(row.kind === 'final').toBe(after.status === 'done');
        const { deadline } = after.context;
        if (row.kind === 'bounded') expect(deadline, `${after.value} has a deadline`).not.toBeNull();
        if (deadline === null) continue;
        expect(row.deadlines).toContain(deadline.name);
        expect(step(sessionMachine, after, ev.timer(deadline.at, deadline.name)).accepted).toBe(true);
      }
    });
  });

  it('changes participants only through PARTICIPANT_* and ROLE_CHANGED, and always keeps the owner', () => {
    forAllHistories((records) => {
      for (const { before, event, accepted, after } of records) {
        const ids = (s: Snapshot) => s.context.participants.map((p) => p.userId);
        expect(after.context.participants).toContainEqual({ userId: 'alice', role: 'owner', joinedAt: 0 });
        if (event.type === E.PARTICIPANT_JOINED && accepted) expect(ids(after)).toEqual([...ids(before), event.userId]);
        else if (event.type === E.PARTICIPANT_LEFT && accepted) expect(ids(after)).toEqual(ids(before).filter((id) => id !== event.userId));
        else if (event.type === E.ROLE_CHANGED) expect(ids(after)).toEqual(ids(before));
        else expect(after.context.participants).toEqual(before.context.participants);
      }
    });
  });

  it('counts exactly the faults accepted, per kind, and accepts AGENT_FAULT exactly where a process is tracked', () => {
    forAllHistories((records) => {
      const expected: { [K in FaultKind]: number } = { crash: 0, hang: 0, stall: 0, garbage: 0, exit: 0 };
      for (const { before, event, accepted } of records) {
        if (event.type === E.AGENT_FAULT) {
          expect(accepted).toBe(before.status === 'active' && LIVE.includes(before.value));
          if (accepted) expected[event.fault] += 1;
        }
        const kind = event.type === E.TIMER_ELAPSED ? TIMER_KIND[event.name] : undefined;
        if (kind !== undefined && accepted) expected[kind] += 1;
      }
      const failures = records.at(-1)?.after.context.failures;
      if (failures === undefined) return;
      const { crashes, hangs, stalls, garbage, exits } = failures;
      expect({ crash: crashes, hang: hangs, stall: stalls, garbage, exit: exits }).toEqual(expected);
    });
  });

  it('keeps turn bookkeeping consistent: a current turn exactly when busy or interrupting, a bounded queue', () => {
    forAllHistories((records) => {
      for (const { after } of records) {
        expect(after.context.currentTurn !== null).toBe(['busy', 'awaitingApproval', 'interrupting'].includes(after.value));
        expect(after.context.queuedMessages.length).toBeLessThanOrEqual(input.limits?.maxQueuedMessages ?? 0);
        if (after.value === 'ready' || after.value === 'idle') expect(after.context.queuedMessages).toEqual([]);
      }
    });
  });

  it('ends every accepted message exactly once (completed, failed or aborted), never ends an unknown turn, and loses none', () => {
    forAllHistories((records) => {
      const open = new Set<string>();
      const end = (turnId: string, how: string): void => {
        expect(open.has(turnId), `${how} of ${turnId}, which is not open`).toBe(true);
        open.delete(turnId);
      };
      const close = (record: Pick<StepRecord, 'event' | 'accepted' | 'actions' | 'after'>): void => {
        const { event, accepted, actions, after } = record;
        if (accepted && event.type === E.MESSAGE_ACCEPTED) {
          expect(open.has(event.turnId), `${event.turnId} accepted while open`).toBe(false);
          open.add(event.turnId);
        }
        if (accepted && event.type === E.TURN_COMPLETED) end(event.turnId, 'TurnCompleted');
        for (const outcome of turnsAborted(actions, event.at)) end(outcome.data.turnId, `TurnAborted(${outcome.data.reason})`);
        // Every open turn is the running one or queued: nothing the machine forgot can stay open unseen.
        const tracked = [...(after.context.currentTurn === null ? [] : [after.context.currentTurn.turnId]), ...after.context.queuedMessages.map((m) => m.turnId)];
        expect(new Set(tracked)).toEqual(open);
      };
      for (const record of records) close(record);
      const last = records.at(-1)?.after ?? start(sessionMachine, input).snapshot;
      const terminate = ev.terminate((records.at(-1)?.event.at ?? 0) + 1);
      const ended = step(sessionMachine, last, terminate);
      close({ event: terminate, ...ended, after: ended.snapshot });
      expect([...open]).toEqual([]);
    });
  });

  it('hibernates from every state with a process, aborting the open turns with the HIBERNATE reason', () => {
    forAllHistories((records) => {
      for (const { after } of records) {
        const hibernate = { type: E.HIBERNATE, at: after.context.lastActivityAt + 1, reason: 'shutdown' } as const;
        const next = step(sessionMachine, after, hibernate);
        const hasProcess = !['hibernated', 'failed', 'terminated'].includes(after.value);
        expect(next.accepted, `HIBERNATE in ${after.value}`).toBe(hasProcess);
        if (!hasProcess) continue;
        expect(next.snapshot.value).toBe('hibernated');
        expect(next.snapshot.context).toMatchObject({ currentTurn: null, queuedMessages: [], deadline: null });
        const open = [...(after.context.currentTurn === null ? [] : [after.context.currentTurn.turnId]), ...after.context.queuedMessages.map((m) => m.turnId)];
        expect(turnsAborted(next.actions, hibernate.at).map((o) => [o.data.turnId, o.data.reason])).toEqual(open.map((turnId) => [turnId, 'shutdown']));
      }
    }, { numRuns: 100 });
  });

  it('answers every tool approval request exactly once: a pending one by the first answer, its deadline or whatever ends the wait', () => {
    forAllHistories((records) => {
      const open = new Set<string>();
      for (const { before, event, accepted, actions, after } of records) {
        const answers = actions.filter((action) => action.type === 'answerApproval').map((action) => action.params as AnswerApprovalParams);
        const closed = sessionOutcomes(actions, event.at).filter((outcome) => outcome.type !== SESSION_OUTCOME_NAME.TURN_ABORTED);
        // A request is pending exactly while the session awaits approval, and only for the running turn.
        expect(after.context.pendingApproval != null).toBe(after.value === 'awaitingApproval');
        if (after.context.pendingApproval != null) expect(after.context.pendingApproval.turnId).toBe(after.context.currentTurn?.turnId);
        if (event.type === E.APPROVAL_REQUESTED && accepted) open.add(event.requestId);
        if (event.type === E.APPROVAL_DECIDED && event.decidedBy === 'human') {
          const first = before.value === 'awaitingApproval' && before.context.pendingApproval?.requestId === event.requestId;
          const writer = ['alice'].includes(event.userId ?? '') || before.context.participants.some((p) => p.userId === event.userId && p.role === 'editor');
          expect(accepted, 'only the first answer, by an owner or editor, is taken').toBe(first && writer);
        }
        for (const answer of answers) {
          if (answer.decidedBy === 'policy') continue;
          expect(open.has(answer.requestId), `answer to ${answer.requestId}, which is not pending`).toBe(true);
          open.delete(answer.requestId);
        }
        // Unanswered ends are recorded, and only those: expired by the deadline, or cancelled.
        expect(closed.length).toBe(answers.filter((answer) => answer.decidedBy === 'timeout' || answer.decidedBy === 'session').length);
        for (const outcome of closed) expect(outcome.type === SESSION_OUTCOME_NAME.TOOL_APPROVAL_EXPIRED).toBe(outcome.data.reason === 'timeout');
        expect(open.size).toBeLessThanOrEqual(1);
      }
      const last = records.at(-1)?.after;
      if (last === undefined) return;
      const ended = step(sessionMachine, last, ev.terminate(last.context.lastActivityAt + 1));
      const answered = ended.actions.filter((action) => action.type === 'answerApproval').map((action) => (action.params as AnswerApprovalParams).requestId);
      expect(answered).toEqual([...open]);
    });
  });

  it('waiting for a human does not count against the turn: its timeout moves by the time waited', () => {
    forAllHistories((records) => {
      for (const { before, after, event } of records) {
        if (before.value !== 'awaitingApproval' || after.value !== 'busy' || before.context.currentTurn === null) continue;
        const waited = event.at - before.context.pendingApproval!.requestedAt;
        expect(after.context.currentTurn?.timeoutAt).toBe(before.context.currentTurn.timeoutAt + waited);
      }
    });
  });

  it('fails only after more than maxConsecutiveFailures, and terminated is final', () => {
    forAllHistories((records) => {
      let ended = false;
      for (const { before, accepted, after } of records) {
        if (after.value === 'failed' && before.value !== 'failed') expect(after.context.failures.consecutive).toBeGreaterThan(2);
        if (ended) {
          expect(accepted).toBe(false);
          expect(after === before, 'snapshot unchanged after the end').toBe(true);
        }
        ended ||= after.status === 'done';
      }
    });
  });

  it('replay from zero and persist/restore at any point reproduce the live actor', () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), (history, cut) => {
        const events = run(history as never).map((r) => r.event);
        expect(replayMismatch(sessionMachine, input, events, cut % (events.length + 1))).toBeNull();
      }),
      { numRuns: 200 },
    );
  });
});
