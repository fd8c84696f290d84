/**
 * A {@link Schedule} driven by hand, for tests of code that yields to the event loop: `turn()` runs the task
 * scheduled for the next turn (and says whether more wait), so a test decides exactly when each turn happens.
 */
import type { Schedule } from '../fan-out.js';

/** Scheduled tasks held until the test runs them, in order. */
export interface ManualTurns {
  readonly schedule: Schedule;
  /** Runs the next scheduled task, if any; whether tasks still wait. */
  turn(): boolean;
  /** Tasks scheduled and not yet run or cancelled. */
  waiting(): number;
}

/** A scheduler whose turns run only when the test calls `turn()`. */
export function manualTurns(): ManualTurns {
  const tasks: (() => void)[] = [];
  return {
    schedule: (task) => {
      tasks.push(task);
      return () => {
        const index = tasks.indexOf(task);
        if (index !== -1) tasks.splice(index, 1);
      };
    },
    turn: () => (tasks.shift()?.(), tasks.length > 0),
    waiting: () => tasks.length,
  };
}
