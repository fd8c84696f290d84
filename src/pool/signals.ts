/**
 * The facts the pool's parts announce to one another, on one synchronous bus built before any part: a part that
 * must reach one built after it (the slots asking for room, which hibernating a session gives; the supply telling
 * of an exit, which capacity acts on) emits here, and `wiring.ts` subscribes the part that acts. No part holds the
 * facade or a late-bound reference to another part.
 */
import type { Commit } from '../runtime/index.js';

/** Each signal and what it carries. */
export interface PoolSignalMap {
  /** A process the supply started has exited and its slot is free again. */
  readonly processExited: undefined;
  /** The pool machine asked for the live processes to follow its target (its `adjustWarm` effect). */
  readonly targetChanged: undefined;
  /** `waiting` reservations wait for a slot: a listener starts freeing slots and answers true when some will be freed. */
  readonly roomWanted: number;
  /** The actor host committed an event (any stream). */
  readonly committed: Commit;
}

type Listener<K extends keyof PoolSignalMap> = (payload: PoolSignalMap[K]) => boolean | void;

/** The bus. */
export class PoolSignals {
  readonly #listeners: { [K in keyof PoolSignalMap]?: Listener<K>[] } = {};

  /** Calls `listener` on each `name` signal, after the listeners subscribed before it. */
  on<K extends keyof PoolSignalMap>(name: K, listener: Listener<K>): void {
    ((this.#listeners[name] ??= []) as Listener<K>[]).push(listener);
  }

  /** Tells every listener of `name`, in order; true when one of them answered true (false with no listener). */
  emit<K extends keyof PoolSignalMap>(name: K, ...[payload]: PoolSignalMap[K] extends undefined ? [] : [PoolSignalMap[K]]): boolean {
    let answered = false;
    for (const listener of (this.#listeners[name] ?? []) as Listener<K>[]) if (listener(payload as PoolSignalMap[K]) === true) answered = true;
    return answered;
  }
}
