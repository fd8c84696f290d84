/**
 * Partial-message text deltas (`--include-partial-messages`) of one process, gathered while they arrive in one
 * read of its stdout and stored as one `AGENT_OUTPUT`. A long answer streams as thousands of tiny deltas; one
 * stored event per delta would multiply the appends of a turn by that. Joining what arrived together adds no
 * latency (the batch is flushed on the next turn of the event loop, or before any other event of the process),
 * keeps the order, and bounds the events per turn by the reads instead of the tokens.
 */

/** Deltas of one turn waiting to be stored. */
export interface PendingText {
  readonly turnId: string;
  readonly at: number;
  readonly text: string;
}

/** The pending deltas of one process. */
export class TextDeltas {
  #turnId: string | undefined;
  #at = 0;
  #parts: string[] = [];

  get pending(): boolean {
    return this.#turnId !== undefined;
  }

  /**
   * Adds a delta of `turnId` received at `at`; returns the deltas of another turn to store first, if any (a
   * process answers one turn at a time, so that only happens when a turn ends without its result).
   */
  add(turnId: string, text: string, at: number): PendingText | undefined {
    const previous = this.#turnId !== undefined && this.#turnId !== turnId ? this.take() : undefined;
    if (this.#turnId === undefined) {
      this.#turnId = turnId;
      this.#at = at;
    }
    this.#parts.push(text);
    return previous;
  }

  /** The joined deltas (stamped with the time of the first), leaving none pending. */
  take(): PendingText | undefined {
    const turnId = this.#turnId;
    if (turnId === undefined) return undefined;
    const taken = { turnId, at: this.#at, text: this.#parts.join('') };
    this.#turnId = undefined;
    this.#parts = [];
    return taken;
  }
}
