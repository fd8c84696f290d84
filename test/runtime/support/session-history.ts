/**
 * Random session histories for host properties. fast-check generates abstract commands; `materialise` turns one
 * into a concrete event against the actor's current snapshot, so most events move the session along (a turn for
 * the running turn id, a timer at its deadline) while some are stale or refused, as in production.
 */
import fc from 'fast-check';
import type { SnapshotFrom } from 'xstate';
import type { sessionMachine, SessionEvent, SessionStateValue } from '../../../machines/index.js';
import { ev } from '../../../machines/testing/session-fixtures.js';

/** One abstract step: how far time moves and which kind of event to make. */
export interface SessionCommand {
  readonly dt: number;
  readonly pick: 'progress' | 'noise';
  readonly variant: number;
}

const PROGRESS: Record<SessionStateValue, readonly string[]> = {
  provisioning: ['spawned', 'timer'],
  starting: ['ready', 'fault'],
  ready: ['msg', 'timer'],
  busy: ['done', 'output', 'interrupt', 'timer', 'msg'],
  awaitingApproval: ['done', 'timer'],
  interrupting: ['done', 'timer'],
  idle: ['msg', 'hibernate', 'timer'],
  hibernated: ['msg', 'wake'],
  resuming: ['ready'],
  recovering: ['recovered', 'recoveryFailed', 'timer'],
  failed: ['terminate'],
  terminated: ['msg'],
};
const NOISE = ['spawned', 'ready', 'fault', 'join', 'role', 'leave', 'msg', 'terminate', 'timer', 'output'] as const;

/** Commands for a history of up to `maxLength` events. */
export const sessionCommands = (maxLength: number): fc.Arbitrary<SessionCommand[]> =>
  fc.array(
    fc.record({
      dt: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 70_000 })),
      pick: fc.constantFrom<SessionCommand['pick']>('progress', 'progress', 'progress', 'noise'),
      variant: fc.nat(30),
    }),
    { maxLength },
  );

/** The event `command` stands for at time `at` against `snapshot`. */
export function materialise(snapshot: SnapshotFrom<typeof sessionMachine>, command: SessionCommand, at: number): SessionEvent {
  const options = command.pick === 'progress' ? PROGRESS[snapshot.value] : NOISE;
  const kind = options[command.variant % options.length] ?? 'msg';
  const { context } = snapshot;
  const turnId = context.currentTurn?.turnId ?? `t${command.variant}-${at}`;
  const user = ['alice', 'bob', 'vic'][command.variant % 3] ?? 'alice';
  switch (kind) {
    case 'spawned':
      return ev.spawned(at, 100 + command.variant);
    case 'ready':
      return ev.ready(at, `claude-${command.variant}`);
    case 'msg':
      return ev.msg(at, `t${at}-${command.variant}`, command.pick === 'progress' ? 'alice' : user);
    case 'output':
      return ev.output(at, turnId);
    case 'done':
      return ev.done(at, turnId, command.variant % 5 === 0);
    case 'interrupt':
      return ev.interrupt(at);
    case 'fault':
      return ev.fault(at, (['crash', 'hang', 'stall', 'garbage', 'exit'] as const)[command.variant % 5] ?? 'crash');
    case 'recovered':
      return ev.recovered(at, 200 + command.variant);
    case 'recoveryFailed':
      return ev.recoveryFailed(at);
    case 'hibernate':
      return ev.hibernate(at);
    case 'wake':
      return ev.wake(at);
    case 'join':
      return ev.join(at, user, command.variant % 2 === 0 ? 'editor' : 'viewer');
    case 'role':
      return ev.role(at, user, command.variant % 2 === 0 ? 'viewer' : 'editor');
    case 'leave':
      return ev.leave(at, user);
    case 'terminate':
      return ev.terminate(at);
    default:
      return ev.timer(Math.max(at, context.deadline?.at ?? at), context.deadline?.name ?? 'idleTimeout');
  }
}
