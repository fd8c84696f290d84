/**
 * What the runtime needs to host one kind of machine: the machine, its stream prefix, the type of the stream's
 * first event (whose data is the machine input), the persisted-name tables of its input events, how to find
 * an actor's id and deadline, which side-effect actions it needs, and which actions it records as outcome events
 * instead of performing. One value per kind (`kinds.ts`); everything else in the runtime is generic.
 */
import type { AnyStateMachine, EventFromLogic, InputFrom, SnapshotFrom } from 'xstate';
import type { Deadline } from '../../machines/index.js';
import type { EffectHandlers } from './effects.js';

/**
 * How the runtime hosts, persists and replays actors of one machine. `TEffects` is the handler table its
 * side-effect actions need (`SessionEffects`).
 */
export interface ActorKind<TMachine extends AnyStateMachine = AnyStateMachine, TEffects extends EffectHandlers<TMachine> = EffectHandlers<TMachine>> {
  /** Short name for logs and tools (`session`, `breaker`). */
  readonly name: string;
  readonly machine: TMachine;
  /** Stream of actor `id` is `streamPrefix + id`. */
  readonly streamPrefix: string;
  /** Persisted type of the stream's first event, whose data is the machine input. */
  readonly createdType: string;
  /** The machine's named side-effect actions. */
  readonly effectNames: readonly string[];
  /** True when `effects` implements every one of `effectNames`: a host refuses an incomplete table. */
  readonly implementsEffects: (effects: object) => effects is TEffects;
  /** Input event type → persisted past-tense name. */
  readonly persistedName: Readonly<Record<string, string>>;
  /** Persisted name → input event type. */
  readonly eventFromPersisted: Readonly<Record<string, string>>;
  /** The actor id an input creates (the stream is `streamPrefix + idOf(input)`). */
  idOf(input: InputFrom<TMachine>): string;
  /** The deadline the actor waits for in `snapshot`, if any (`context.deadline` for our machines). */
  deadlineOf(snapshot: SnapshotFrom<TMachine>): Deadline | null;
  /** The actions this kind records as outcome events instead of performing ({@link NO_OUTCOMES} when none). */
  readonly outcomes: OutcomeRecording<TMachine>;
}

/** An outcome event to store after the accepted event that produced it: its persisted type and data. */
export interface OutcomeEvent {
  readonly type: string;
  readonly data: unknown;
}

/**
 * Recorded outcomes: facts a step decides that must be as durable as the step itself (a session's aborted turns).
 * The host appends them in the same `append` as the accepted event, after it; folding skips them (they are no
 * machine input) but counts their revisions; projections and subscribers see them like any stored event.
 */
export interface OutcomeRecording<TMachine extends AnyStateMachine = AnyStateMachine> {
  /** Action names recorded, never performed. */
  readonly actions: readonly string[];
  /** Persisted types of the outcome events. */
  readonly types: readonly string[];
  /** The outcome events of one step's actions, in order. */
  derive(actions: readonly { readonly type: string; readonly params?: unknown }[], event: EventFromLogic<TMachine>): readonly OutcomeEvent[];
}

/** The recording of a kind that has no outcome events. */
export const NO_OUTCOMES: OutcomeRecording = { actions: [], types: [], derive: () => [] };

/** Whether `type` is one of `kind`'s outcome event types. */
export function isOutcomeType(kind: { readonly outcomes: { readonly types: readonly string[] } }, type: string): boolean {
  return kind.outcomes.types.includes(type);
}

/** The `implementsEffects` guard for a kind whose side-effect actions are `names`. */
export function implementsAll<TEffects extends object>(names: readonly string[]): (effects: object) => effects is TEffects {
  return (effects): effects is TEffects => names.every((name) => typeof (effects as Record<string, unknown>)[name] === 'function');
}

/** The stream of actor `id` of `kind`. */
export function streamOf(kind: { readonly streamPrefix: string }, id: string): string {
  return `${kind.streamPrefix}${id}`;
}

/** `context.deadline` of a snapshot of one of our machines (they all keep their one deadline there). */
export function contextDeadline(snapshot: { context: unknown }): Deadline | null {
  const deadline = (snapshot.context as { deadline?: Deadline | null }).deadline;
  return deadline ?? null;
}
