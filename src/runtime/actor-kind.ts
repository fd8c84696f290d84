/**
 * What the runtime needs to host one kind of machine: the machine, its stream prefix, the type of the stream's
 * first event (whose data is the machine input), the persisted-name tables of its input events, and how to find
 * an actor's id and deadline, and which side-effect actions it needs. One value per kind (`kinds.ts`); everything
 * else in the runtime is generic.
 */
import type { AnyStateMachine, InputFrom, SnapshotFrom } from 'xstate';
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
