/**
 * Delivery of one process's events to listeners and async iterators. Events emitted before anyone
 * listens (the process starts before `spawnAgent` resolves) are buffered, up to a cap, and handed to
 * the first subscriber.
 */
import { AGENT_EVENT, type AgentEvent, type AgentEventListener } from './events.js';

const EARLY_EVENT_CAP = 1_000;

/** Fan-out of agent events with an early-event buffer and an end (after `exited`). */
export class EventHub {
  private readonly listeners = new Set<AgentEventListener>();
  private early: AgentEvent[] | undefined = [];
  private ended = false;

  /** Delivers `event` to every listener (or buffers it while there are none yet). */
  emit(event: AgentEvent): void {
    if (this.early !== undefined) {
      if (this.early.length < EARLY_EVENT_CAP) this.early.push(event);
    } else {
      for (const listener of [...this.listeners]) listener(event);
    }
    if (event.kind === AGENT_EVENT.EXITED) this.ended = true;
  }

  /** Adds `listener`; the first one also receives the buffered early events. Returns an unsubscribe. */
  subscribe(listener: AgentEventListener): () => void {
    this.listeners.add(listener);
    const early = this.early;
    this.early = undefined;
    for (const event of early ?? []) listener(event);
    return () => this.listeners.delete(listener);
  }

  /** An async iterator over the events from now (or the buffered start) until `exited`, inclusive. */
  async *iterate(): AsyncGenerator<AgentEvent> {
    const queue: AgentEvent[] = [];
    let wake: (() => void) | undefined;
    let done = this.ended;
    const unsubscribe = this.subscribe((event) => {
      queue.push(event);
      if (event.kind === AGENT_EVENT.EXITED) done = true;
      wake?.();
    });
    try {
      for (;;) {
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (done) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      unsubscribe();
    }
  }
}
