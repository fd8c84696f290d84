/**
 * Bytes published to a connection that uWS may not have written yet. uWS queues a published frame smaller than
 * its cork buffer ({@link UWS_DEFERRED_PUBLISH_BYTES}) and writes it later, corked with that connection's other
 * frames; `getBufferedAmount()` does not count it meanwhile. Measured (uWebSockets.js 20.30): whatever phase of the
 * event loop published it, such a frame is written before the next `setImmediate` callback scheduled after the
 * publish runs. So the slow-consumer bound adds these bytes, counted per epoch: an epoch ends with a
 * `setImmediate`, and a connection's bytes of an epoch are forgotten only once the epoch after it has ended too,
 * never before uWS wrote them. They may be counted twice (queued and written) for a turn: the bound is checked
 * early, never late.
 */

/** uWS's cork buffer: a published frame this long or longer is written at once, like `send`; shorter ones wait. */
export const UWS_DEFERRED_PUBLISH_BYTES = 16 * 1024;

/** One connection's count (kept on the connection: no lookup on the fan-out path). */
export interface UnflushedCount {
  epoch: number;
  current: number;
  previous: number;
}

/** A fresh count. */
export const unflushedCount = (): UnflushedCount => ({ epoch: 0, current: 0, previous: 0 });

/** The epochs, shared by every connection of a hub. */
export class UnflushedBytes {
  #epoch = 0;
  #scheduled = false;
  /** Whether bytes were added in the current epoch (then the next one must end too, to forget them). */
  #added = false;

  constructor(private readonly schedule: (task: () => void) => void = (task) => void setImmediate(task)) {}

  /** Bytes that may still wait in uWS for the connection of `count`. */
  of(count: UnflushedCount): number {
    this.#roll(count);
    return count.current + count.previous;
  }

  /** `bytes` more were published to the connection of `count`. */
  add(count: UnflushedCount, bytes: number): void {
    this.#roll(count);
    count.current += bytes;
    this.#added = true;
    this.#ensureScheduled();
  }

  #roll(count: UnflushedCount): void {
    const age = this.#epoch - count.epoch;
    if (age === 0) return;
    count.previous = age === 1 ? count.current : 0;
    count.current = 0;
    count.epoch = this.#epoch;
  }

  #ensureScheduled(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.schedule(() => {
      this.#scheduled = false;
      this.#epoch++;
      const added = this.#added;
      this.#added = false;
      if (added) this.#ensureScheduled();
    });
  }
}
