/**
 * Idempotent sends: a message carrying a `clientMsgId` is accepted once per (session, user, clientMsgId); a retry
 * (a reconnecting client, a repeated HTTP request) gets the first acceptance back instead of a second turn. The
 * turn id of such a message is derived from the three, so two concurrent sends of it also collide in the session
 * machine (it refuses a turn id already running or queued). Acceptances are remembered per session (the last
 * {@link MAX_REMEMBERED}); after a restart they are recovered from the session's recent history on first use.
 */
import { createHash } from 'node:crypto';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { SESSION_PERSISTED_NAME } from '../../machines/index.js';
import { STREAM_PREFIX } from '../runtime/index.js';
import type { EventStore, StoreError } from '../store/index.js';

/** An accepted message: its turn and the revision of its `MessageAccepted`. */
export interface Accepted {
  readonly turnId: string;
  readonly revision: bigint;
}

/** Acceptances kept per session. */
export const MAX_REMEMBERED = 256;
/** Events read back from a session's history to recover acceptances after a restart. */
const HISTORY_WINDOW = 1_000;

const keyOf = (userId: string, clientMsgId: string): string => `${userId}\u0000${clientMsgId}`;

/** The turn id of a message with a client id: a UUID-shaped digest of session, user and client id. */
export function turnIdFor(sessionId: string, userId: string, clientMsgId: string): string {
  const hex = createHash('sha256').update(`${sessionId}\u0000${keyOf(userId, clientMsgId)}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Remembered acceptances, per session. */
export class SentMessages {
  readonly #bySession = new Map<string, Map<string, Accepted>>();

  constructor(private readonly store: EventStore) {}

  /** The earlier acceptance of this message, if any (reading the session's recent history the first time). */
  lookup(sessionId: string, userId: string, clientMsgId: string): ResultAsync<Accepted | undefined, StoreError> {
    const known = this.#bySession.get(sessionId);
    if (known !== undefined) return okAsync(known.get(keyOf(userId, clientMsgId)));
    return this.store
      .readStream(`${STREAM_PREFIX.session}${sessionId}`, { direction: 'backwards', maxCount: HISTORY_WINDOW })
      .orElse((error) => (error.kind === 'StreamNotFound' ? okAsync([]) : errAsync(error)))
      .map((events) => {
        const remembered = this.#bySession.get(sessionId) ?? new Map<string, Accepted>();
        for (const event of [...events].reverse()) {
          if (event.type !== SESSION_PERSISTED_NAME.MESSAGE_ACCEPTED) continue;
          const data = event.data as { userId?: unknown; clientMsgId?: unknown; turnId?: unknown };
          if (typeof data.userId === 'string' && typeof data.clientMsgId === 'string' && typeof data.turnId === 'string') {
            remember(remembered, keyOf(data.userId, data.clientMsgId), { turnId: data.turnId, revision: event.revision });
          }
        }
        this.#bySession.set(sessionId, remembered);
        return remembered.get(keyOf(userId, clientMsgId));
      });
  }

  /** Records an acceptance. */
  record(sessionId: string, userId: string, clientMsgId: string, accepted: Accepted): void {
    const remembered = this.#bySession.get(sessionId) ?? new Map<string, Accepted>();
    remember(remembered, keyOf(userId, clientMsgId), accepted);
    this.#bySession.set(sessionId, remembered);
  }

  /** Forgets a session (it ended, or was unloaded). */
  forget(sessionId: string): void {
    this.#bySession.delete(sessionId);
  }
}

function remember(map: Map<string, Accepted>, key: string, accepted: Accepted): void {
  map.delete(key);
  map.set(key, accepted);
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value as string);
}
