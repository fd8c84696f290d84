/**
 * Connections that have not said `hello` yet, with time passed in: each must say it within `timeoutMs`, and at
 * most `max` of them (and `maxPerAddress` from one remote address) are kept. A new one beyond a cap pushes out the
 * OLDEST waiting one (of its address for the per-address cap), never itself: a flood of silent sockets then only
 * churns through its own slots, and a client that says `hello` at once still gets in. Arrival order is insertion
 * order, so the oldest is first and timeouts are found without scanning the rest.
 */

/** The caps of a gate (`Infinity` for none). */
export interface HelloGateLimits {
  readonly timeoutMs: number;
  readonly max: number;
  readonly maxPerAddress: number;
}

interface Waiting {
  readonly address: string;
  readonly deadline: number;
}

/** Bookkeeping of connections waiting for their `hello`. */
export class HelloGate<Id> {
  readonly #waiting = new Map<Id, Waiting>();
  readonly #byAddress = new Map<string, Set<Id>>();

  constructor(readonly limits: HelloGateLimits) {}

  /**
   * Starts the clock of `id` (from `address`, at `now`) and returns the waiting connections it pushes out (oldest
   * first; they are no longer tracked): the caller closes them.
   */
  add(id: Id, address: string, now: number): Id[] {
    const evicted: Id[] = [];
    const sameAddress = this.#byAddress.get(address);
    if (sameAddress !== undefined && sameAddress.size >= this.limits.maxPerAddress) {
      const oldest = sameAddress.values().next().value as Id;
      this.remove(oldest);
      evicted.push(oldest);
    }
    if (this.#waiting.size >= this.limits.max) {
      const oldest = this.#waiting.keys().next().value as Id;
      this.remove(oldest);
      evicted.push(oldest);
    }
    this.#waiting.set(id, { address, deadline: now + this.limits.timeoutMs });
    let set = this.#byAddress.get(address);
    if (set === undefined) this.#byAddress.set(address, (set = new Set()));
    set.add(id);
    return evicted;
  }

  /** `id` said `hello`, or closed: it no longer waits. Idempotent. */
  remove(id: Id): void {
    const waiting = this.#waiting.get(id);
    if (waiting === undefined) return;
    this.#waiting.delete(id);
    const set = this.#byAddress.get(waiting.address);
    set?.delete(id);
    if (set?.size === 0) this.#byAddress.delete(waiting.address);
  }

  /** Whether `id` is waiting. */
  has(id: Id): boolean {
    return this.#waiting.has(id);
  }

  /** The oldest waiting connection, if any (to make room for a new one when the server is full). */
  oldest(): Id | undefined {
    return this.#waiting.keys().next().value;
  }

  /** Connections whose time ran out at `now`, oldest first; they stay tracked until {@link remove}d. */
  expired(now: number): Id[] {
    const due: Id[] = [];
    for (const [id, waiting] of this.#waiting) {
      // All share one timeout, so deadlines rise in insertion order: the first one not due ends the scan.
      if (waiting.deadline > now) break;
      due.push(id);
    }
    return due;
  }

  /** Connections waiting, in all and from `address`. */
  get size(): number {
    return this.#waiting.size;
  }

  fromAddress(address: string): number {
    return this.#byAddress.get(address)?.size ?? 0;
  }
}
