/**
 * Partial-message text deltas (`--include-partial-messages`) of one process, gathered while they arrive in one
 * read of its stdout and stored as one `AGENT_OUTPUT`. A long answer streams as thousands of tiny deltas; one
 * stored event per delta would multiply the appends of a turn by that. Joining what arrived together adds no
 * latency (the batch is flushed on the next turn of the event loop, or before any other event of the process),
 * keeps the order, and bounds the events per turn by the reads instead of the tokens. Deltas still pending when the
 * complete message of their turn arrives, and whose text it contains, are not stored at all: a client sees that
 * message at the same moment, so they would add an event and show nothing earlier (a short answer read at once is
 * one `assistant` event, as without partial messages).
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

  /**
   * The first delta's event (its time, its turn) carrying the joined text, leaving none pending; undefined when none
   * are pending, or when `complete` (the complete message that arrived with them) is of their turn and contains them.
   */
  take(complete?: { readonly turnId: string | undefined; readonly text: string }): AgentOutputEvent | undefined {
    const first = this.#first;
    if (first === undefined) return undefined;
    const text = this.#parts.join('');
    this.#first = undefined;
    this.#parts = [];
    if (complete !== undefined && complete.turnId === first.turnId && complete.text.includes(text)) return undefined;
    return { ...first, content: { ...first.content, text } };
  }
}
