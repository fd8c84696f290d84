/**
 * The catch-up subscription of the embedded adapters. It never buffers pushed events: it keeps a checkpoint and
 * pulls the next page of the log after it, so history and live events come from the same query and the handover
 * cannot lose or repeat an event. Commits in this process wake it at once; a poll timer (when configured) picks
 * up commits made by other processes on the same file.
 */
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import type { StoreError } from '../errors.js';
import type { RecordedEvent, Subscription } from '../types.js';
import type { LogPager } from './log-pager.js';

/** Something a store can wake after a commit and end on close. */
export interface Wakeable {
  /** The position after which it reads next. */
  readonly checkpoint: number;
  wake(): void;
  close(): Promise<void>;
}

/** The store's set of open subscriptions. */
export class SubscriberRegistry {
  readonly #members = new Set<Wakeable>();

  /** Adds a subscription; it removes itself when it ends. */
  add(member: Wakeable): void {
    this.#members.add(member);
  }

  /** Removes a subscription. */
  remove(member: Wakeable): void {
    this.#members.delete(member);
  }

  /** The lowest checkpoint of the open subscriptions (Infinity when none): no one reads at or before it again. */
  lowestCheckpoint(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const member of this.#members) if (member.checkpoint < lowest) lowest = member.checkpoint;
    return lowest;
  }

  /** Wakes every waiting subscription after a commit. */
  notify(): void {
    for (const member of this.#members) member.wake();
  }

  /** Ends every subscription (store close). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#members].map((member) => member.close()));
  }
}

/** How a {@link CatchUpSubscription} reads and waits. */
export interface CatchUpSource {
  readonly pager: LogPager;
  readonly registry: SubscriberRegistry;
  /** Re-read this often while idle, for writers in other processes; undefined = only wake on local commits. */
  readonly pollIntervalMs?: number;
  readonly pageSize?: number;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** A pull-based catch-up subscription over a {@link LogPager}; see the module comment. */
export class CatchUpSubscription implements Subscription, Wakeable {
  readonly ended: ResultAsync<void, StoreError>;
  readonly #source: CatchUpSource;
  #checkpoint: number;
  #buffer: readonly RecordedEvent[] = [];
  #index = 0;
  #closed = false;
  #resume: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #settle!: (result: Result<void, StoreError>) => void;
  #previous: Promise<unknown> = Promise.resolve();

  constructor(source: CatchUpSource, after: number) {
    this.#source = source;
    this.#checkpoint = after;
    this.ended = new ResultAsync(
      new Promise<Result<void, StoreError>>((resolve) => {
        this.#settle = resolve;
      }),
    );
    source.registry.add(this);
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    // Calls to next() are chained so that a caller who does not await each one still gets events in order, once.
    const next = (): Promise<IteratorResult<RecordedEvent>> => {
      const result = this.#previous.then(() => this.#next());
      this.#previous = result;
      return result;
    };
    return { next, return: async () => (await this.close(), DONE) };
  }

  get checkpoint(): number {
    return this.#checkpoint;
  }

  wake(): void {
    const resume = this.#resume;
    if (resume === undefined) return;
    this.#resume = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    resume();
  }

  async close(): Promise<void> {
    this.#finish(ok(undefined));
  }

  #finish(result: Result<void, StoreError>): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#buffer = [];
    this.#source.registry.remove(this);
    this.wake();
    this.#settle(result);
  }

  async #next(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.#closed) return DONE;
      if (this.#index < this.#buffer.length) return { done: false, value: this.#buffer[this.#index++] as RecordedEvent };
      const before = this.#checkpoint;
      const page = this.#source.pager(before, this.#source.pageSize ?? 512);
      if (page.isErr()) {
        this.#finish(err(page.error));
        return DONE;
      }
      this.#buffer = page.value.events;
      this.#index = 0;
      this.#checkpoint = page.value.scannedTo;
      if (this.#buffer.length === 0 && page.value.scannedTo === before) await this.#idle();
    }
  }

  #idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#resume = resolve;
      const interval = this.#source.pollIntervalMs;
      if (interval !== undefined) this.#timer = setTimeout(() => this.wake(), interval);
    });
  }
}

/** A subscription that has already ended with `error` (invalid options, closed store). */
export function failedSubscription(error: StoreError): Subscription {
  return {
    ended: new ResultAsync(Promise.resolve(err(error))),
    close: async () => undefined,
    [Symbol.asyncIterator]: () => ({ next: async () => DONE }),
  };
}
