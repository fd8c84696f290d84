/**
 * Counting live agent processes against the pool's cap (the smallest of `session_pool.max_size`,
 * `agent.max_processes` and what the memory budget allows). A process holds one slot from before it is spawned
 * until it has exited. When no slot is free, `reserve` asks the pool to make room (retire a warm process or
 * hibernate the least recently used idle session) and waits for a slot to be released, up to a timeout.
 */

/** A reservation attempt's outcome. */
export type Reservation = { readonly ok: true } | { readonly ok: false; readonly live: number; readonly cap: number };

interface Waiter {
  readonly resolve: (reservation: Reservation) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Slots for live processes. */
export class ProcessSlots {
  #used = 0;
  #cap: number;
  readonly #waiters: Waiter[] = [];

  constructor(
    cap: number,
    /**
     * Called when reservations wait (`waiting` of them, counting the new one): should start freeing slots for
     * them (stop a warm or idle process); false when nothing can be freed.
     */
    private readonly makeRoom: (waiting: number) => boolean,
  ) {
    this.#cap = Math.max(1, cap);
  }

  /** Slots in use. */
  get used(): number {
    return this.#used;
  }

  /** The cap. */
  get cap(): number {
    return this.#cap;
  }

  /** Free slots now. */
  get free(): number {
    return Math.max(0, this.#cap - this.#used);
  }

  /** Changes the cap (memory measurements); waiters get the slots it frees. */
  setCap(cap: number): void {
    this.#cap = Math.max(1, cap);
    this.#wake();
  }

  /** Takes a slot if one is free, without waiting. */
  tryReserve(): boolean {
    if (this.#used >= this.#cap || this.#waiters.length > 0) return false;
    this.#used += 1;
    return true;
  }

  /** Takes a slot, making room and waiting up to `timeoutMs` when none is free. */
  reserve(timeoutMs: number): Promise<Reservation> {
    if (this.tryReserve()) return Promise.resolve({ ok: true });
    if (!this.makeRoom(this.#waiters.length + 1) && this.#waiters.length === 0 && this.#used >= this.#cap) {
      return Promise.resolve({ ok: false, live: this.#used, cap: this.#cap });
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          resolve({ ok: false, live: this.#used, cap: this.#cap });
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** Gives a slot back (its process has exited). */
  release(): void {
    this.#used = Math.max(0, this.#used - 1);
    this.#wake();
  }

  /** Fails every waiter (the pool is closing). */
  rejectWaiters(): void {
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve({ ok: false, live: this.#used, cap: this.#cap });
    }
  }

  #wake(): void {
    while (this.#waiters.length > 0 && this.#used < this.#cap) {
      const waiter = this.#waiters.shift()!;
      clearTimeout(waiter.timer);
      this.#used += 1;
      waiter.resolve({ ok: true });
    }
    // Still waiting: ask for more room, one slot per waiter.
    if (this.#waiters.length > 0) this.makeRoom(this.#waiters.length);
  }
}
