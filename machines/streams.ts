/**
 * Stream names and the event types every stream kind starts with, in one place: the runtime writes them, the
 * projections and the server read them. One stream per actor (`session-<id>`, `breaker-<name>`, `pool-<name>`)
 * plus each actor's snapshot stream. The machines' own input events have their persisted names beside each
 * machine (`SESSION_PERSISTED_NAME` ...). Import these; never retype the strings.
 */
import { POOL_CREATED } from './pool.events.js';
import { SESSION_PROVISIONED } from './session.events.js';

/** Stream-name prefix of each actor kind: one stream per actor, `session-<id>`, `breaker-<name>`, `pool-<name>`. */
export const STREAM_PREFIX = {
  session: 'session-',
  breaker: 'breaker-',
  pool: 'pool-',
  /** Companion stream holding an actor's latest snapshot: `snapshot-session-<id>` (`$` names are reserved by the store). */
  snapshot: 'snapshot-',
} as const;

/** Event types the runtime writes itself, besides the machines' persisted input events. */
export const RUNTIME_EVENT_TYPE = {
  /** First event of a `session-<id>` stream; data is the `SessionInput`. */
  sessionProvisioned: SESSION_PROVISIONED,
  /** First event of a `breaker-<name>` stream; data is the `BreakerInput`. */
  breakerCreated: 'BreakerCreated',
  /** First event of a `pool-<name>` stream; data is the `PoolInput`. */
  poolCreated: POOL_CREATED,
  /** The one event kept in a `snapshot-…` stream; data is a persisted snapshot and the revision it covers. */
  snapshotTaken: 'SnapshotTaken',
} as const;
