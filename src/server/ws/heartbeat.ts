/**
 * The heartbeat schedule of WebSocket connections, with time passed in: every `pingIntervalMs` a connection is
 * pinged; if nothing (a pong or any frame) comes back within `pongTimeoutMs` of the first unanswered ping, it has
 * expired. The hub calls {@link Heartbeat.tick} from one timer for all connections.
 */

/** What to do on a tick: connections to ping, and connections that expired. */
export interface HeartbeatDue<Id> {
  readonly ping: Id[];
  readonly expired: Id[];
}

interface Beat {
  nextPingAt: number;
  /** When the first unanswered ping expires; `null` while the connection is answering. */
  deadline: number | null;
}

/** Ping/pong bookkeeping for many connections. */
export class Heartbeat<Id> {
  readonly #beats = new Map<Id, Beat>();

  constructor(
    readonly pingIntervalMs: number,
    readonly pongTimeoutMs: number,
  ) {}

  /** How often the hub should call {@link tick}: fine enough to expire close to the deadline. */
  get tickMs(): number {
    return Math.max(20, Math.min(this.pingIntervalMs, this.pongTimeoutMs) / 4);
  }

  /** Starts watching `id`, first ping one interval from `now`. */
  add(id: Id, now: number): void {
    this.#beats.set(id, { nextPingAt: now + this.pingIntervalMs, deadline: null });
  }

  /** Stops watching `id`. */
  remove(id: Id): void {
    this.#beats.delete(id);
  }

  /** `id` answered (a pong or any frame): it is alive. */
  seen(id: Id): void {
    const beat = this.#beats.get(id);
    if (beat !== undefined) beat.deadline = null;
  }

  /** Connections to ping and those that expired at `now`; expired ones are no longer watched. */
  tick(now: number): HeartbeatDue<Id> {
    const due: HeartbeatDue<Id> = { ping: [], expired: [] };
    for (const [id, beat] of this.#beats) {
      if (beat.deadline !== null && now >= beat.deadline) {
        due.expired.push(id);
        this.#beats.delete(id);
      } else if (now >= beat.nextPingAt) {
        due.ping.push(id);
        beat.nextPingAt = now + this.pingIntervalMs;
        beat.deadline ??= now + this.pongTimeoutMs;
      }
    }
    return due;
  }

  /** Connections watched. */
  get size(): number {
    return this.#beats.size;
  }
}
