/**
 * The session folds against the session machine itself: random commands are stepped through the real machine,
 * only accepted events are stored (as the runtime's codec stores them: data = the event, metadata = from/to/at),
 * each followed by the `TurnAborted` outcomes of its step,
 * and the `session-list` summary and the `error-recovery` fault counts must agree with the machine's context.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SnapshotFrom } from 'xstate';
import { start, step } from '../machines/replay.js';
import { SESSION_PERSISTED_NAME, SESSION_PROVISIONED, type FaultKind, type SessionEvent, type SessionEventType } from '../machines/session.events.js';
import { sessionMachine } from '../machines/session.machine.js';
import { sessionOutcomes } from '../machines/session.outcomes.js';
import { ev, testSessionInput as input } from '../machines/testing/session-fixtures.js';
import { STREAM_PREFIX } from '../machines/streams.js';
import { errorRecoveryProjection } from './error-recovery.js';
import { foldAll, type ProjectedEvent } from './event.js';
import { FAULT_KINDS } from './faults.js';
import { getSession, sessionListProjection } from './session-list.js';

type Snapshot = SnapshotFrom<typeof sessionMachine>;
const USERS = ['alice', 'bob', 'vic'] as const;
const TIMERS = ['startTimeout', 'turnTimeout', 'stallTimeout', 'interruptTimeout', 'idleTimeout', 'recoveryTimeout'] as const;

type Command =
  | { readonly kind: 'spawned' | 'ready' | 'output' | 'done' | 'interrupt' | 'recovered' | 'recoveryFailed' | 'hibernate' | 'wake' | 'due' | 'terminate' }
  | { readonly kind: 'msg' | 'leave'; readonly user: string }
  | { readonly kind: 'join' | 'role'; readonly user: string; readonly role: 'editor' | 'viewer' }
  | { readonly kind: 'fault'; readonly fault: FaultKind }
  | { readonly kind: 'stale'; readonly name: (typeof TIMERS)[number] }
  | { readonly kind: 'progress'; readonly variant: number };

/** The facts that move each state along; `progress` picks one by `variant` so that histories get somewhere. */
const PROGRESS: { readonly [K in Snapshot['value']]: readonly Command[] } = {
  provisioning: [{ kind: 'spawned' }],
  starting: [{ kind: 'ready' }],
  ready: [{ kind: 'msg', user: 'alice' }],
  busy: [{ kind: 'output' }, { kind: 'done' }, { kind: 'done' }, { kind: 'interrupt' }, { kind: 'due' }],
  awaitingApproval: [{ kind: 'done' }, { kind: 'due' }, { kind: 'interrupt' }],
  interrupting: [{ kind: 'done' }, { kind: 'due' }, { kind: 'output' }],
  idle: [{ kind: 'msg', user: 'alice' }, { kind: 'msg', user: 'bob' }, { kind: 'due' }, { kind: 'hibernate' }],
  hibernated: [{ kind: 'msg', user: 'alice' }, { kind: 'wake' }],
  resuming: [{ kind: 'ready' }],
  recovering: [{ kind: 'recovered' }, { kind: 'recovered' }, { kind: 'recoveryFailed' }, { kind: 'due' }],
  failed: [{ kind: 'terminate' }],
  terminated: [{ kind: 'wake' }],
};

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('progress' as const), variant: fc.nat() }) },
  fc.constantFrom(
    ...(['spawned', 'ready', 'output', 'done', 'done', 'interrupt', 'recovered', 'recoveryFailed', 'hibernate', 'wake', 'due', 'due', 'terminate'] as const),
  ).map((kind) => ({ kind })),
  fc.record({ kind: fc.constantFrom('msg' as const, 'msg' as const, 'leave' as const), user: fc.constantFrom(...USERS) }),
  fc.record({ kind: fc.constantFrom('join' as const, 'role' as const), user: fc.constantFrom(...USERS), role: fc.constantFrom('editor' as const, 'viewer' as const) }),
  fc.record({ kind: fc.constant('fault' as const), fault: fc.constantFrom(...FAULT_KINDS) }),
  fc.record({ kind: fc.constant('stale' as const), name: fc.constantFrom(...TIMERS) }),
);

function toEvent(cmd: Command, at: number, snapshot: Snapshot, index: number): SessionEvent | null {
  if (cmd.kind === 'progress') {
    const options = PROGRESS[snapshot.value];
    const chosen = options[cmd.variant % options.length];
    return chosen === undefined ? null : toEvent(chosen, at, snapshot, index);
  }
  const turnId = snapshot.context.currentTurn?.turnId ?? 'none';
  switch (cmd.kind) {
    case 'spawned': return ev.spawned(at);
    case 'ready': return ev.ready(at);
    case 'output': return ev.output(at, turnId);
    case 'done': return ev.done(at, turnId, index % 3 === 0);
    case 'interrupt': return ev.interrupt(at);
    case 'recovered': return ev.recovered(at);
    case 'recoveryFailed': return ev.recoveryFailed(at);
    case 'hibernate': return ev.hibernate(at);
    case 'wake': return ev.wake(at);
    case 'terminate': return ev.terminate(at);
    case 'due': {
      const deadline = snapshot.context.deadline;
      return deadline === null ? null : ev.timer(Math.max(at, deadline.at), deadline.name);
    }
    case 'msg': return ev.msg(at, `t${index}`, cmd.user);
    case 'leave': return ev.leave(at, cmd.user);
    case 'join': return ev.join(at, cmd.user, cmd.role);
    case 'role': return ev.role(at, cmd.user, cmd.role);
    case 'fault': return ev.fault(at, cmd.fault);
    case 'stale': return ev.timer(at, cmd.name);
  }
}

/** Steps the machine through `commands`, returning the final snapshot and the stored stream. */
function run(commands: readonly Command[], gaps: readonly number[]): { snapshot: Snapshot; stored: ProjectedEvent[] } {
  const stream = `${STREAM_PREFIX.session}${input.sessionId}`;
  let snapshot = start(sessionMachine, input).snapshot;
  const stored: ProjectedEvent[] = [{ stream, type: SESSION_PROVISIONED, revision: 0n, data: input, metadata: { from: null, to: snapshot.value, at: input.at } }];
  let at = input.at;
  commands.forEach((cmd, index) => {
    at += gaps[index % gaps.length] ?? 100;
    const event = toEvent(cmd, at, snapshot, index);
    if (event === null) return;
    const next = step(sessionMachine, snapshot, event);
    if (!next.accepted) return;
    at = Math.max(at, event.at);
    stored.push({
      stream,
      type: SESSION_PERSISTED_NAME[event.type as SessionEventType],
      revision: BigInt(stored.length),
      data: event,
      metadata: { from: snapshot.value, to: next.snapshot.value, at: event.at },
    });
    for (const outcome of sessionOutcomes(next.actions, event.at)) {
      const metadata = { from: next.snapshot.value, to: next.snapshot.value, at: event.at };
      stored.push({ stream, type: outcome.type, revision: BigInt(stored.length), data: outcome.data, metadata });
    }
    snapshot = next.snapshot;
  });
  return { snapshot, stored };
}

describe('session folds agree with the session machine', () => {
  it('summary and fault counts equal the machine context after any accepted history', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 8 }), (commands, gaps) => {
        const { snapshot, stored } = run(commands, gaps);
        const { context } = snapshot;
        const summary = getSession(foldAll(sessionListProjection, stored), input.sessionId);
        expect(summary).toEqual({
          sessionId: context.sessionId,
          tenant: context.tenant,
          owner: context.owner,
          state: snapshot.value,
          participants: context.participants.map(({ userId, role }) => ({ userId, role })),
          createdAt: context.createdAt,
          lastActivityAt: context.lastActivityAt,
          turns: context.usage.turns,
          usage: { inputTokens: context.usage.inputTokens, outputTokens: context.usage.outputTokens, costUsd: context.usage.costUsd },
          lastFault: context.lastFault && { kind: context.lastFault.kind, at: context.lastFault.at, detail: context.lastFault.detail },
          revision: String(stored.length - 1),
          endedAt: snapshot.value === 'terminated' ? stored.at(-1)?.metadata['at'] : null,
          endReason: context.endReason,
        });
        const { crashes, hangs, stalls, garbage, exits } = context.failures;
        expect(foldAll(errorRecoveryProjection, stored).faultsByKind).toEqual({ crash: crashes, hang: hangs, stall: stalls, garbage, exit: exits });
      }),
      { numRuns: 300 },
    );
  });
});
