/**
 * Idempotent sends, in one place: a message carrying a `clientMsgId` is accepted once per (session, user,
 * clientMsgId); a retry (a reconnecting client, a repeated HTTP request, the same message over REST and WS) gets the
 * first acceptance back with `duplicate: true` instead of a second turn, and a retry that arrives while the first
 * is still being stored waits for it and gets the same answer. The turn id of such a message is derived from the
 * three, so even two pools on one store collide in the session machine (it refuses a turn id already running or
 * queued). Acceptances are remembered per session (the last {@link MAX_REMEMBERED}); after a restart they are
 * recovered from the session's recent history on first use.
 */
import * as crypto from 'node:crypto';
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow';
import { SESSION_PERSISTED_NAME } from '../../../machines/index.js';
import { STREAM_PREFIX } from '../../runtime/index.js';
import type { EventStore, StoreError } from '../../store/index.js';

/** An accepted message: its turn and the revision of its `MessageAccepted`. */
export interface Accepted {
  readonly turnId: string;
  readonly revision: bigint;
}

/** An acceptance as a sender sees it: `duplicate` when it is the earlier acceptance of the same message. */
export interface Acceptance extends Accepted {
  readonly duplicate: boolean;
}

/** What {@link SentMessages.once} needs to know of a message. */
export interface MessageKey {
  readonly sessionId: string;
  readonly userId: string;
  readonly clientMsgId: string | null;
  /** An explicit turn id (else derived from the client id, or a new UUID without one). */
  readonly turnId?: string | undefined;
}

/** Acceptances kept per session. */
export const MAX_REMEMBERED = 256;
/** Events read back from a session's history to recover acceptances after a restart. */
const HISTORY_WINDOW = 1_000;

const keyOf = (userId: string, clientMsgId: string): string => `${userId}\u0000${clientMsgId}`;

/** SHA-256 of `text` in hex: the one-shot `crypto.hash` where Node has it (20.12+, half the cost), else a `Hash`. */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

/** The turn id of a message with a client id: a UUID-shaped digest of session, user and client id. */
export function turnIdFor(sessionId: string, userId: string, clientMsgId: string): string {
  const hex = sha256Hex(`${sessionId}\u0000${keyOf(userId, clientMsgId)}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Remembered acceptances, per session. */
export class SentMessages {
  readonly #bySession = new Map<string, Map<string, Accepted>>();

  readonly #inFlight = new Map<string, Promise<Result<Acceptance, unknown>>>();

  constructor(private readonly store: EventStore) {}

  /**
   * Accepts the message once: `accept(turnId)` stores it unless the same (session, user, clientMsgId) was accepted
   * before (its acceptance comes back, `duplicate: true`) or is being accepted right now (this waits for it and
   * gets its answer, `duplicate: true` if it succeeds). A message without a client id is simply accepted.
   * `unreadable` turns a failure to read the session's history back into the caller's error type.
   */
  once<E>(key: MessageKey, accept: (turnId: string) => PromiseLike<Result<Accepted, E>>, unreadable: (error: StoreError) => E): ResultAsync<Acceptance, E> {
    const { sessionId, userId, clientMsgId } = key;
    if (clientMsgId === null) return new ResultAsync(fresh(accept(key.turnId ?? crypto.randomUUID())));
    const flight = `${sessionId}\u0000${keyOf(userId, clientMsgId)}`;
    const pending = this.#inFlight.get(flight) as Promise<Result<Acceptance, E>> | undefined;
    if (pending !== undefined) return new ResultAsync(pending.then((first) => first.map(repeated)));
    const settled = this.#acceptOnce(key, clientMsgId, accept, unreadable);
    this.#inFlight.set(flight, settled);
    void settled.finally(() => this.#inFlight.delete(flight));
    return new ResultAsync(settled);
  }

  async #acceptOnce<E>(
    key: MessageKey,
    clientMsgId: string,
    accept: (turnId: string) => PromiseLike<Result<Accepted, E>>,
    unreadable: (error: StoreError) => E,
  ): Promise<Result<Acceptance, E>> {
    const { sessionId, userId } = key;
    const known = this.#bySession.get(sessionId);
    const earlier = known === undefined ? await this.#lookup(sessionId, userId, clientMsgId) : ok(known.get(keyOf(userId, clientMsgId)));
    if (earlier.isErr()) return err(unreadable(earlier.error));
    if (earlier.value !== undefined) return ok(repeated(earlier.value));
    const accepted = await accept(key.turnId ?? turnIdFor(sessionId, userId, clientMsgId));
    if (accepted.isErr()) return err(accepted.error);
    this.#record(sessionId, userId, clientMsgId, accepted.value);
    return ok(first(accepted.value));
  }

  /** The earlier acceptance of this message, reading the session's recent history (the first time for a session). */
  #lookup(sessionId: string, userId: string, clientMsgId: string): ResultAsync<Accepted | undefined, StoreError> {
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
  #record(sessionId: string, userId: string, clientMsgId: string, accepted: Accepted): void {
    const remembered = this.#bySession.get(sessionId) ?? new Map<string, Accepted>();
    remember(remembered, keyOf(userId, clientMsgId), accepted);
    this.#bySession.set(sessionId, remembered);
  }

  /** Forgets a session (it ended, or was unloaded). */
  forget(sessionId: string): void {
    this.#bySession.delete(sessionId);
  }
}

const first = ({ turnId, revision }: Accepted): Acceptance => ({ turnId, revision, duplicate: false });
const repeated = ({ turnId, revision }: Accepted): Acceptance => ({ turnId, revision, duplicate: true });

/** A new message's acceptance, as a first one. */
async function fresh<E>(accepting: PromiseLike<Result<Accepted, E>>): Promise<Result<Acceptance, E>> {
  return (await accepting).map(first);
}

function remember(map: Map<string, Accepted>, key: string, accepted: Accepted): void {
  map.delete(key);
  map.set(key, accepted);
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value as string);
}
