/**
 * Reading the sessions a previous run left in the store, for the pool's index at start-up: for every
 * `session-<id>` stream, its first event (the `SessionInput`: tenant, owner, options) and the state its last
 * event left it in (`metadata.to`). Two single-event reads per session; terminated sessions are skipped.
 */
import { ResultAsync } from 'neverthrow';
import { SESSION_STATES, type SessionInput, type SessionStateValue } from '../../machines/index.js';
import type { EventStore, StoreError } from '../store/index.js';
import { STREAM_PREFIX } from '../runtime/index.js';

/** What the index needs of a stored session. */
export interface StoredSession {
  readonly input: SessionInput;
  readonly state: SessionStateValue;
  readonly lastEventAt: number;
}

const isState = (value: unknown): value is SessionStateValue => SESSION_STATES.includes(value as SessionStateValue);

/** Every stored session that is not terminated. Streams that do not read back as sessions are skipped. */
export function readStoredSessions(store: EventStore): ResultAsync<StoredSession[], StoreError> {
  return store.listStreams({ prefix: STREAM_PREFIX.session }).andThen((streams) =>
    ResultAsync.combine(
      streams.map(({ stream }) =>
        ResultAsync.combine([
          store.readStream(stream, { maxCount: 1 }),
          store.readStream(stream, { direction: 'backwards', maxCount: 1 }),
        ] as const).map(([[first], [last]]): StoredSession | null => {
          const state = last?.metadata['to'];
          const at = last?.metadata['at'];
          if (first === undefined || !isState(state) || state === 'terminated') return null;
          return { input: first.data as unknown as SessionInput, state, lastEventAt: typeof at === 'number' ? at : first.recordedAt.getTime() };
        }),
      ),
    ).map((sessions) => sessions.filter((session): session is StoredSession => session !== null)),
  );
}
