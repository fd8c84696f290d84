/**
 * The sessions a previous run left in the store, for the pool's index at start-up. Two sources give the same list:
 * `storedSessionsOf` reads it from the `pool-sessions` projection (which the server restores from its checkpoint
 * and the tail of the log), and `readStoredSessions` reads every `session-<id>` stream: the state its last event
 * left it in (`metadata.to`) and, for a session that has not been terminated, its first event (the `SessionInput`:
 * tenant, owner, options). Most stored sessions have ended, so most cost one single-event read; streams are read a
 * page at a time, not all at once.
 */
import { okAsync, ResultAsync } from 'neverthrow';
import { SESSION_STATES, type SessionInput, type SessionStateValue } from '../../../machines/index.js';
import { poolSessionRecords, type PoolSessionsState } from '../../../projections/index.js';
import type { EventStore, StoreError } from '../../store/index.js';
import { STREAM_PREFIX } from '../../runtime/index.js';

/** What the index needs of a stored session. */
export interface StoredSession {
  readonly input: SessionInput;
  readonly state: SessionStateValue;
  readonly lastEventAt: number;
}

const isState = (value: unknown): value is SessionStateValue => SESSION_STATES.includes(value as SessionStateValue);

/** Streams whose reads are in flight at once. */
const READ_PAGE = 512;

/** The stored session of `stream` if it has not been terminated (and reads back as a session). */
function readSession(store: EventStore, stream: string): ResultAsync<StoredSession | null, StoreError> {
  return store.readStream(stream, { direction: 'backwards', maxCount: 1 }).andThen(([last]) => {
    const state = last?.metadata['to'];
    if (last === undefined || !isState(state) || state === 'terminated') return okAsync(null);
    const at = last.metadata['at'];
    return store.readStream(stream, { maxCount: 1 }).map(([first]): StoredSession | null =>
      first === undefined ? null : { input: first.data as unknown as SessionInput, state, lastEventAt: typeof at === 'number' ? at : first.recordedAt.getTime() },
    );
  });
}

/** Every stored session that is not terminated. Streams that do not read back as sessions are skipped. */
export function readStoredSessions(store: EventStore): ResultAsync<StoredSession[], StoreError> {
  return store.listStreams({ prefix: STREAM_PREFIX.session }).andThen((streams) => {
    const found: StoredSession[] = [];
    const fromPage = (start: number): ResultAsync<StoredSession[], StoreError> => {
      if (start >= streams.length) return okAsync(found);
      const page = streams.slice(start, start + READ_PAGE).map(({ stream }) => readSession(store, stream));
      return ResultAsync.combine(page).andThen((sessions) => {
        for (const session of sessions) if (session !== null) found.push(session);
        return fromPage(start + READ_PAGE);
      });
    };
    return fromPage(0);
  });
}

/** The stored sessions the `pool-sessions` projection holds, as `readStoredSessions` would read them from each stream. */
export function storedSessionsOf(state: PoolSessionsState): StoredSession[] {
  const found: StoredSession[] = [];
  for (const { input, state: value, lastEventAt } of poolSessionRecords(state)) {
    if (isState(value) && value !== 'terminated' && typeof input === 'object' && input !== null) found.push({ input: input as SessionInput, state: value, lastEventAt });
  }
  return found;
}
