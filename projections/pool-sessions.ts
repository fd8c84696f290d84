/**
 * The `pool-sessions` projection: what the pool needs at start of every session that has not ended — its first
 * event's data (the `SessionInput`: id, tenant, owner, options), the machine's state after its last event
 * (`metadata.to`) and when that event happened — so that a restart reads this saved list and the tail of the log
 * instead of every session stream. A session leaves the list when its stream reaches `terminated`. It mirrors what
 * reading each stream gives: a session whose last event carries no state (`metadata.to`) is kept with `state: null`
 * and left out by the reader, as a stream whose last event has none is skipped.
 */
import { numberOf, sessionIdOf, stateAfter, type ProjectedEvent, type Projection } from './event.js';
import { emptyIdMap, idMapDelete, idMapGet, idMapSet, idMapValues, type IdMap } from './id-map.js';

/** One session the pool restores. */
export interface PoolSessionRecord {
  /** The data of the stream's first event (revision 0), as stored: the session's `SessionInput`. */
  readonly input: unknown;
  /** The machine's state after the last event, `null` when that event carried none. */
  readonly state: string | null;
  /** `metadata.at` of the last event that had one. */
  readonly lastEventAt: number;
}

/** State of the `pool-sessions` projection: sessions not terminated, by id. */
export interface PoolSessionsState {
  readonly sessions: IdMap<PoolSessionRecord>;
}

/** Name of the projection. */
export const POOL_SESSIONS = 'pool-sessions';

/** Version of the state's shape, for checkpoints: bump it whenever the state or the fold changes. */
export const POOL_SESSIONS_VERSION = 2;

const TERMINATED = 'terminated';

/** The empty list. */
export const initialPoolSessions = (): PoolSessionsState => ({ sessions: emptyIdMap() });

/** Every session the pool restores, in no particular order. */
export const poolSessionRecords = (state: PoolSessionsState): PoolSessionRecord[] => idMapValues(state.sessions);

/** Folds one stored event; events of other streams leave the state unchanged. */
export function applyPoolSessions(state: PoolSessionsState, event: ProjectedEvent): PoolSessionsState {
  const sessionId = sessionIdOf(event);
  if (sessionId === null) return state;
  const to = stateAfter(event);
  if (to === TERMINATED) return idMapGet(state.sessions, sessionId) === undefined ? state : { sessions: idMapDelete(state.sessions, sessionId) };
  const at = numberOf(event.metadata['at']);
  const known = idMapGet(state.sessions, sessionId);
  if (known === undefined) {
    // Only a stream's first event opens an entry: a later one of a session the list never saw (its start is
    // before a soft delete, say) would have no input to restore from.
    if (event.revision !== 0n) return state;
    return { sessions: idMapSet(state.sessions, sessionId, { input: event.data, state: to, lastEventAt: at ?? 0 }) };
  }
  return { sessions: idMapSet(state.sessions, sessionId, { input: known.input, state: to, lastEventAt: at ?? known.lastEventAt }) };
}

/** The `pool-sessions` projection, for the host. */
export const poolSessionsProjection: Projection<PoolSessionsState> = {
  name: POOL_SESSIONS,
  version: POOL_SESSIONS_VERSION,
  initial: initialPoolSessions,
  apply: applyPoolSessions,
};
