/**
 * The port's subscription over `subscribeToAll`. The server does the catch-up/live handover; this keeps the
 * exclusive-checkpoint rule, drops system and non-JSON events, and turns stream errors into `ended` values.
 */
import { excludeSystemEvents, eventTypeFilter, streamNameFilter, type AllStreamSubscription, type Filter } from '@eventstore/db-client';
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import type { StoreError } from '../errors.js';
import type { EventFilter, RecordedEvent, Subscription } from '../types.js';
import { compileFilter, type EventPredicate } from '../core/filter.js';
import { fromEsdbError } from './errors.js';
import { fromResolved } from './mapping.js';

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The server-side filter for our filter: the stream prefix if there is one (event types are then checked here),
 * else an exact-match regex over event types, else "no system events".
 */
export function toServerFilter(filter: EventFilter | undefined): Filter {
  if (filter?.streamPrefix !== undefined) return streamNameFilter({ prefixes: [filter.streamPrefix] });
  if (filter?.eventTypes !== undefined) {
    const alternatives = filter.eventTypes.map(escapeRegex).join('|');
    return eventTypeFilter({ regex: filter.eventTypes.length === 0 ? '^$' : `^(?:${alternatives})$` });
  }
  return excludeSystemEvents();
}

/** A {@link Subscription} backed by an EventStoreDB catch-up subscription to `$all`. */
export class EsdbSubscription implements Subscription {
  readonly ended: ResultAsync<void, StoreError>;
  readonly #source: AllStreamSubscription;
  readonly #matches: EventPredicate;
  readonly #after: bigint;
  readonly #onEnd: (subscription: EsdbSubscription) => void;
  #iterator: AsyncGenerator<RecordedEvent> | undefined;
  #closed = false;
  #settle!: (result: Result<void, StoreError>) => void;

  constructor(source: AllStreamSubscription, filter: EventFilter | undefined, after: bigint, onEnd: (subscription: EsdbSubscription) => void) {
    this.#source = source;
    this.#matches = compileFilter(filter);
    this.#after = after;
    this.#onEnd = onEnd;
    this.ended = new ResultAsync(
      new Promise<Result<void, StoreError>>((resolve) => {
        this.#settle = resolve;
      }),
    );
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    this.#iterator ??= this.#events();
    return this.#iterator;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#source.unsubscribe();
    } catch {
      // The stream is going away either way; a failed cancel has nothing left to report.
    }
    this.#finish(ok(undefined));
  }

  #finish(result: Result<void, StoreError>): void {
    this.#onEnd(this);
    this.#settle(result);
  }

  async *#events(): AsyncGenerator<RecordedEvent> {
    try {
      for await (const resolved of this.#source) {
        if (this.#closed) break;
        const recorded = fromResolved(resolved);
        if (recorded === undefined || recorded.position <= this.#after || !this.#matches(recorded.stream, recorded.type)) continue;
        yield recorded;
      }
      await this.close();
    } catch (cause) {
      if (this.#closed) return;
      this.#closed = true;
      this.#finish(err(fromEsdbError(cause)));
    } finally {
      await this.close();
    }
  }
}
