/**
 * Partial-message text deltas (`--include-partial-messages`) of one process, gathered while they arrive in one
 * read of its stdout and stored as one `AGENT_OUTPUT`. A long answer streams as thousands of tiny deltas; one
 * stored event per delta would multiply the appends of a turn by that. Joining what arrived together adds no
 * latency (the batch is flushed on the next turn of the event loop, or before any other event of the process),
 * keeps the order, and bounds the events per turn by the reads instead of the tokens.
 */
import type { AgentOutputEvent } from '../../../machines/index.js';

/** The pending deltas of one process: the first one's event, and the text of all of them. */
export class TextDeltas {
  #first: AgentOutputEvent | undefined;
  #parts: string[] = [];

  get pending(): boolean {
    return this.#first !== undefined;
  }

  /**
   * Adds a delta (an `AGENT_OUTPUT` whose content has the delta's text); returns the joined deltas of another
   * turn to store first, if any (a process answers one turn at a time, so that only happens when a turn ends
   * without its result).
   */
  add(delta: AgentOutputEvent): AgentOutputEvent | undefined {
    const previous = this.#first !== undefined && this.#first.turnId !== delta.turnId ? this.take() : undefined;
    this.#first ??= delta;
    this.#parts.push(delta.content?.text ?? '');
    return previous;
  }

  /** The first delta's event (its time, its turn) carrying the joined text, leaving none pending. */
  take(): AgentOutputEvent | undefined {
    const first = this.#first;
    if (first === undefined) return undefined;
    const joined = { ...first, content: { ...first.content, text: this.#parts.join('') } };
    this.#first = undefined;
    this.#parts = [];
    return joined;
  }
}
