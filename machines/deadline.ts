/**
 * Deadlines: how a pure machine waits for time. A state that waits records `{ name, at }` in
 * `context.deadline`; the runtime schedules a timer for `at` and, when it fires, sends
 * `{ type: 'TIMER_ELAPSED', name, at }` (persisted like any other event). The machine accepts it only
 * when `name` matches the current deadline and `at >= deadline.at`; anything else is stale and ignored,
 * so a timer that outlived a state change or a moved deadline is harmless.
 */

/** The event type every machine uses for a fired timer. */
export const TIMER_ELAPSED = 'TIMER_ELAPSED';

/** The one point in time a machine is currently waiting for (plain JSON). */
export interface Deadline<TName extends string = string> {
  name: TName;
  at: number;
}

/** The runtime's report that the timer for `name` fired at `at` (epoch ms). */
export interface TimerElapsedEvent<TName extends string = string> {
  type: typeof TIMER_ELAPSED;
  name: TName;
  at: number;
}

/**
 * True when `event` fires the current `deadline`: same name and not early. The optional `name`
 * narrows the check to one deadline kind (a state that handles several names asks once per name).
 */
export function isDue(deadline: Deadline | null, event: { name: string; at: number }, name?: string): boolean {
  if (deadline === null || event.name !== deadline.name) return false;
  if (name !== undefined && name !== deadline.name) return false;
  return event.at >= deadline.at;
}

/** The earlier of two deadlines (the first on a tie); `null` only when both are `null`. */
export function earliest<T extends Deadline>(a: T | null, b: T | null): T | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.at < a.at ? b : a;
}
