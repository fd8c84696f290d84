/**
 * What every actor handle of one host shares: the store, time, tuning, the host-wide observers and the fault
 * reporter. Built once by `createActorHost` from its options.
 */
import type { EventStore } from '../store/index.js';
import type { Clock, Timers } from './clock.js';
import type { HostFault, HostObserver } from './observer.js';

/** The host's shared services, as its actor handles use them. */
export interface HostServices {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly snapshotEvery: number;
  readonly maxConflictRetries: number;
  readonly timerRetryMs: number;
  readonly readPageSize: number;
  readonly observers: readonly HostObserver[];
  readonly report: (fault: HostFault) => void;
}
