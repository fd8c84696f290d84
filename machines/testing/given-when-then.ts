/**
 * A tiny Given/When/Then helper for the pure machines, after emmett's DeciderSpecification:
 * `specFor(machine, input).given(history).when(event).then({ state, context, actions, accepted })`
 * replays `history`, applies `event` with the pure `step`, and throws a readable error when the
 * resulting state value, context subset or emitted action list differs. No test framework is
 * imported, so any runner works; `then` returns the step for further checks.
 */
import { createActor, type AnyStateMachine, type EventFromLogic, type InputFrom, type SnapshotFrom, type StateValue } from 'xstate';
import { replay, restore, step, type Step } from '../replay.js';

/** An action the transition should emit: its name and (a subset of) its params. */
export interface ExpectedAction {
  type: string;
  params?: unknown;
}

/** What `then` checks; every key is optional. `actions` is compared as an ordered, complete list. */
export interface Expectation {
  state?: StateValue;
  context?: unknown;
  actions?: ExpectedAction[];
  accepted?: boolean;
}

/** The path of the first place `actual` differs from the `expected` subset, or `null` when it fits. */
export function subsetMismatch(actual: unknown, expected: unknown, path = '$'): string | null {
  if (expected === null || typeof expected !== 'object') return Object.is(actual, expected) ? null : path;
  if (actual === null || typeof actual !== 'object') return path;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return path;
    for (const [i, item] of expected.entries()) {
      const mismatch = subsetMismatch(actual[i], item, `${path}[${i}]`);
      if (mismatch !== null) return mismatch;
    }
    return null;
  }
  for (const [key, value] of Object.entries(expected)) {
    const mismatch = subsetMismatch((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    if (mismatch !== null) return mismatch;
  }
  return null;
}

function check(label: string, actual: unknown, expected: unknown): void {
  const mismatch = subsetMismatch(actual, expected);
  if (mismatch === null) return;
  throw new Error(
    `then: ${label} differs at ${mismatch}\n  expected: ${JSON.stringify(expected)}\n  actual:   ${JSON.stringify(actual)}`,
  );
}

/** The side-effect actions of a step as `{ type, params }`, XState's built-ins left out. */
export function emitted(actions: readonly { type: string; params?: unknown }[]): ExpectedAction[] {
  return actions.filter((action) => !action.type.startsWith('xstate.')).map(({ type, params }) => ({ type, params }));
}

/** Given/When/Then for one machine and input. */
export function specFor<TMachine extends AnyStateMachine>(machine: TMachine, input: InputFrom<TMachine>) {
  return {
    given(history: readonly EventFromLogic<TMachine>[] = []) {
      const before: SnapshotFrom<TMachine> = replay(machine, input, history);
      return {
        snapshot: before,
        when(event: EventFromLogic<TMachine>) {
          const result = step(machine, before, event);
          return {
            ...result,
            then(expected: Expectation): Step<TMachine> {
              if (expected.accepted !== undefined) check('accepted', result.accepted, expected.accepted);
              const snapshot = result.snapshot as unknown as { value: StateValue; context: unknown };
              if (expected.state !== undefined) check('state', snapshot.value, expected.state);
              if (expected.context !== undefined) check('context', snapshot.context, expected.context);
              if (expected.actions !== undefined) check('actions', emitted(result.actions), expected.actions);
              return result;
            },
          };
        },
      };
    },
  };
}

/** State value and context: what equivalence checks compare. */
export interface Observed {
  value: StateValue;
  context: unknown;
  status: string;
}

/** The comparable part of a snapshot. */
export function observe(snapshot: unknown): Observed {
  const { value, context, status } = snapshot as Observed;
  return { value, context, status };
}

/** Sends `events` to a started actor until it is done, as the runtime would (an actor warns past that). */
function sendAll(actor: { send(event: never): void; getSnapshot(): { status: string } }, events: readonly unknown[]): void {
  for (const event of events) {
    if (actor.getSnapshot().status !== 'active') return;
    actor.send(event as never);
  }
}

/** Runs `events` through a real started actor (its side-effect actions are the machine's no-ops). */
export function runLive<TMachine extends AnyStateMachine>(
  machine: TMachine,
  input: InputFrom<TMachine>,
  events: readonly EventFromLogic<TMachine>[],
): Observed {
  const actor = createActor(machine, { input } as never);
  actor.start();
  sendAll(actor, events);
  const result = observe(actor.getSnapshot());
  actor.stop();
  return result;
}

/** The path of the first value in `value` that JSON would not keep (`undefined`, a function, a class instance). */
export function nonJsonAt(value: unknown, path = '$'): string | null {
  if (value === null || ['string', 'boolean'].includes(typeof value)) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (typeof value !== 'object') return path;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return path;
  for (const [key, item] of Object.entries(value)) {
    const found = nonJsonAt(item, `${path}.${key}`);
    if (found !== null) return found;
  }
  return null;
}

/**
 * Runs `events.slice(0, split)` through a live actor, persists its snapshot through JSON, restores it
 * with `machine.resolveState`, and continues with the rest: once with the pure `transition` and once
 * with an actor created from the persisted snapshot (`createActor(machine, { snapshot })`). Both results should equal `runLive`.
 */
export function runRestored<TMachine extends AnyStateMachine>(
  machine: TMachine,
  input: InputFrom<TMachine>,
  events: readonly EventFromLogic<TMachine>[],
  split: number,
): { pure: Observed; actor: Observed } {
  const head = createActor(machine, { input } as never);
  head.start();
  sendAll(head, events.slice(0, split));
  const persisted = JSON.parse(JSON.stringify(head.getPersistedSnapshot())) as unknown;
  head.stop();
  const tail = events.slice(split);
  const pure = observe(replay(machine, input, tail, restore(machine, persisted)));
  const resumed = createActor(machine, { input, snapshot: persisted } as never);
  resumed.start();
  sendAll(resumed, tail);
  const actor = observe(resumed.getSnapshot());
  resumed.stop();
  return { pure, actor };
}

/**
 * Event-sourcing equivalence for one history: replaying from zero, and restoring a JSON-persisted
 * snapshot taken after `split` events then continuing (purely and as an actor), must all equal the
 * live actor, whose context must be plain JSON. Returns what differs first, or `null`.
 */
export function replayMismatch<TMachine extends AnyStateMachine>(
  machine: TMachine,
  input: InputFrom<TMachine>,
  events: readonly EventFromLogic<TMachine>[],
  split: number,
): string | null {
  const live = runLive(machine, input, events);
  const nonJson = nonJsonAt(live.context);
  if (nonJson !== null) return `context is not plain JSON at ${nonJson}`;
  const restored = runRestored(machine, input, events, split);
  const candidates = { replayed: observe(replay(machine, input, events)), restoredPure: restored.pure, restoredActor: restored.actor };
  for (const [name, candidate] of Object.entries(candidates)) {
    const mismatch = subsetMismatch(candidate, live) ?? subsetMismatch(live, candidate);
    if (mismatch !== null) return `${name} differs from the live actor at ${mismatch}`;
  }
  return null;
}
