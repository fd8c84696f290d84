/**
 * Admission: the question the runtime asks a breaker before each call, answered from a snapshot
 * without sending anything. `'call'` means go ahead (closed); `'probe'` means persist and send
 * `PROBE_STARTED` first, then call (half-open, or open with its period over but the timer event not
 * yet in); `'reject'` means fail fast.
 */
import type { BreakerContext } from './circuit-breaker.context.js';
import type { BreakerStateValue } from './circuit-breaker.machine.js';

/** How a call at a given moment would be treated. */
export type Admission = 'call' | 'probe' | 'reject';

/** The part of a breaker snapshot admission reads (any `SnapshotFrom<typeof circuitBreakerMachine>` fits). */
export interface BreakerSnapshotLike {
  value: BreakerStateValue;
  context: BreakerContext;
}

/** How a call attempted at `at` would be treated by the breaker in `snapshot`. */
export function admission(snapshot: BreakerSnapshotLike, at: number): Admission {
  const { context } = snapshot;
  switch (snapshot.value) {
    case 'closed':
      return 'call';
    case 'open': {
      const over = context.deadline !== null && at >= context.deadline.at;
      return over && context.probesInFlight < context.options.halfOpenMaxProbes ? 'probe' : 'reject';
    }
    case 'halfOpen':
      return context.probesInFlight < context.options.halfOpenMaxProbes ? 'probe' : 'reject';
    case 'isolated':
      return 'reject';
  }
}

/** True unless the breaker would reject a call attempted at `at`. */
export function canAttempt(snapshot: BreakerSnapshotLike, at: number): boolean {
  return admission(snapshot, at) !== 'reject';
}
