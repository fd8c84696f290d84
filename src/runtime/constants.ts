/**
 * Protocol strings and defaults of the actor host, in one place: the kinds of its errors and the tuning defaults.
 * Import these; never retype the strings. Stream prefixes and the event types the runtime itself writes (a stream's
 * first event, snapshots) live with the machines (`machines/streams.ts`), as do input-event names.
 */
// Stream names and the event types the runtime writes are defined with the machines, so projections can read them
// without depending on the runtime; re-exported here so the runtime's API stays whole.
export { RUNTIME_EVENT_TYPE, STREAM_PREFIX } from '../../machines/streams.js';

/** Stable `kind` of every {@link RuntimeError}. */
export const RUNTIME_ERROR_KIND = {
  ActorNotFound: 'ActorNotFound',
  ActorExists: 'ActorExists',
  ActorConflict: 'ActorConflict',
  ActorStopped: 'ActorStopped',
  EventRejected: 'EventRejected',
  StreamCorrupt: 'StreamCorrupt',
  UnknownActorKind: 'UnknownActorKind',
  RevisionNotFound: 'RevisionNotFound',
  StoreFailure: 'StoreFailure',
  InspectorRefused: 'InspectorRefused',
} as const;

/** One of the values of {@link RUNTIME_ERROR_KIND}. */
export type RuntimeErrorKind = (typeof RUNTIME_ERROR_KIND)[keyof typeof RUNTIME_ERROR_KIND];

/** `kind` of a send's outcome: the event was stored and acted on, or the machine ignored it and nothing was stored. */
export const SEND_OUTCOME = {
  committed: 'committed',
  ignored: 'ignored',
} as const;

/** Stable `kind` of every `HostFault` (failures reported, not returned, because the event is already durable). */
export const HOST_FAULT_KIND = {
  EffectFailed: 'EffectFailed',
  UnhandledAction: 'UnhandledAction',
  ObserverFailed: 'ObserverFailed',
  SnapshotFailed: 'SnapshotFailed',
  TimerFailed: 'TimerFailed',
  ReplayDrift: 'ReplayDrift',
} as const;

/** Defaults of `createActorHost` options. */
export const HOST_DEFAULTS = {
  /** A snapshot is stored after every this many events of a stream. */
  snapshotEvery: 100,
  /** Reload-and-retry rounds after `WrongExpectedVersion` before a send fails with `ActorConflict`. */
  maxConflictRetries: 3,
  /** Delay before a timer whose `TIMER_ELAPSED` could not be stored tries again. */
  timerRetryMs: 1_000,
  /** Events per `readStream` call when folding a stream. */
  readPageSize: 500,
} as const;

/** `setTimeout` cannot wait longer than this (about 24.8 days); longer deadlines are re-armed in steps. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Where the inspector hook sends events unless told otherwise: loopback only, and not 8080, which is the API
 * server's own default port (and `createInspectorServer`'s). Start the bridge with `createInspectorServer({ port: 8081 })`.
 */
export const DEFAULT_INSPECTOR_URL = 'ws://127.0.0.1:8081';

/** Environments in which the inspector hook refuses to start. */
export const INSPECTOR_FORBIDDEN_ENVIRONMENTS: readonly string[] = ['production'];
