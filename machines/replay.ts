/**
 * Pure folding of persisted events through a machine, for the runtime and for operators. Works like
 * XState's pure `initialTransition`/`transition` (xstate ≥ 5.19), which compute the next snapshot and
 * return the actions it would run without running them (with a cached scope, see `scopeOf`): replaying a stream never spawns, sends or
 * kills anything. `step` also says whether the machine accepted the event, which is the runtime's cue
 * to persist it (an ignored event changes nothing and need not be stored).
 *
 * Unlike a live actor, XState's pure `transition` still applies root-level handlers to a snapshot
 * whose status is `done` (a terminated session would "terminate" again). `step` and `replay` refuse
 * every event once the snapshot is no longer `active`, which is what an actor does.
 */
import {
  createActor,
  type AnyActorScope,
  type AnyStateMachine,
  type EventFromLogic,
  type ExecutableActionsFrom,
  type InputFrom,
  type SnapshotFrom,
} from 'xstate';

/** A snapshot and the side-effect actions the transition into it asked for (not yet executed). */
export interface Step<TMachine extends AnyStateMachine> {
  snapshot: SnapshotFrom<TMachine>;
  actions: ExecutableActionsFrom<TMachine>[];
  /** False when the machine had no enabled transition for the event (the snapshot is unchanged). */
  accepted: boolean;
}

/**
 * One inert actor scope per machine, reused. XState's own `transition`/`initialTransition` build a throwaway actor
 * (which computes a whole initial state) on every call, several times the cost of the step itself on the hot
 * path. A scope is safe to share: our machines spawn no children, and a step is synchronous, so the action
 * collector swapped in for one call cannot see another's actions.
 */
const scopes = new WeakMap<AnyStateMachine, AnyActorScope>();
const ignore = (): void => undefined;

function scopeOf(machine: AnyStateMachine): AnyActorScope {
  let scope = scopes.get(machine);
  if (scope === undefined) {
    const self = createActor(machine);
    scope = { self, defer: ignore, id: '', logger: ignore, sessionId: '', stopChild: ignore, system: self.system, emit: ignore, actionExecutor: ignore } as unknown as AnyActorScope;
    scopes.set(machine, scope);
  }
  return scope;
}

/** Runs `compute` with the machine's scope, collecting the actions it would execute instead of executing them. */
function collecting<T>(machine: AnyStateMachine, compute: (scope: AnyActorScope) => T): [T, unknown[]] {
  const scope = scopeOf(machine);
  const actions: unknown[] = [];
  (scope as { actionExecutor: (action: unknown) => void }).actionExecutor = (action) => void actions.push(action);
  try {
    return [compute(scope), actions];
  } finally {
    (scope as { actionExecutor: (action: unknown) => void }).actionExecutor = ignore;
  }
}

/** The initial snapshot for `input`, with the entry actions the runtime should perform on a fresh start. */
export function start<TMachine extends AnyStateMachine>(machine: TMachine, input: InputFrom<TMachine>): Step<TMachine> {
  const [snapshot, actions] = collecting(machine, (scope) => machine.getInitialSnapshot(scope, input));
  return { snapshot: snapshot as SnapshotFrom<TMachine>, actions: actions as ExecutableActionsFrom<TMachine>[], accepted: true };
}

/** One event applied to `snapshot`: the next snapshot, the actions to perform, and whether it was accepted. */
export function step<TMachine extends AnyStateMachine>(
  machine: TMachine,
  snapshot: SnapshotFrom<TMachine>,
  event: EventFromLogic<TMachine>,
): Step<TMachine> {
  if ((snapshot as { status: string }).status !== 'active') return { snapshot, actions: [], accepted: false };
  const [next, actions] = collecting(machine, (scope) => machine.transition(snapshot, event, scope) as SnapshotFrom<TMachine>);
  return { snapshot: next, actions: actions as ExecutableActionsFrom<TMachine>[], accepted: next !== snapshot };
}

/** Folds `events` over `from` (the machine's initial snapshot for `input` when `from` is omitted). */
export function replay<TMachine extends AnyStateMachine>(
  machine: TMachine,
  input: InputFrom<TMachine>,
  events: Iterable<EventFromLogic<TMachine>>,
  from?: SnapshotFrom<TMachine>,
): SnapshotFrom<TMachine> {
  let snapshot = from ?? start(machine, input).snapshot;
  for (const event of events) snapshot = step(machine, snapshot, event).snapshot;
  return snapshot;
}

/** The JSON-safe form of a snapshot, for the snapshot store. */
export function persist<TMachine extends AnyStateMachine>(machine: TMachine, snapshot: SnapshotFrom<TMachine>): unknown {
  return JSON.parse(JSON.stringify(machine.getPersistedSnapshot(snapshot))) as unknown;
}

/** A snapshot rebuilt from what `persist` (or `actor.getPersistedSnapshot()`) produced. */
export function restore<TMachine extends AnyStateMachine>(machine: TMachine, persisted: unknown): SnapshotFrom<TMachine> {
  return machine.resolveState(persisted as Parameters<TMachine['resolveState']>[0]) as SnapshotFrom<TMachine>;
}
