/**
 * Fan-out of session events that would hold the event loop too long: a frame that many followers must get (a long
 * message to 1,000 subscribers is ~90 MB of socket writes) is delivered in slices of a few milliseconds each, with a
 * `setImmediate` between them so that HTTP requests and other sockets are served in between. Slices are bounded by
 * time, not bytes: on loopback one `ws.send` to a client that stopped reading costs from microseconds to a few
 * hundred of them whatever the frame's size (the kernel works on the reader's whole receive queue). Small fan-outs
 * never come here: the feed delivers them at once, as before. Deliveries of one session stay in event order, so a
 * follower never gets event N+1 before N; sessions with work waiting take turns, a long fan-out of one does not hold
 * back another's.
 */
import type { RecordedEvent } from '../../store/index.js';

/** How much fan-out one event-loop turn may do. */
export interface FanOutBudget {
  /** An event whose {@link fanOutCost} stays within this is delivered at once, synchronously, as it arrives. */
  readonly syncCost: number;
  /** How long one slice may send before it yields (ms); a slice makes at least one send. */
  readonly sliceMs: number;
  /**
   * The brake: the most fan-out work (in {@link fanOutCost} units) that may wait. Past it, `enqueue` delivers the
   * oldest waiting work at once until it is back within, as a synchronous fan-out always did, so the store
   * subscription that feeds it is slowed down instead of the queue growing without end.
   */
  readonly maxPendingCost: number;
}

/**
 * Defaults: up to 32 followers of a small frame (2 of a 90 KB one) at once; slices of 4 ms (measured:
 * `bench/ws-slow-readers.ts`); about ten 90 KB events to 1,000 followers may wait.
 */
export const DEFAULT_FAN_OUT_BUDGET: FanOutBudget = { syncCost: 256 * 1024, sliceMs: 4, maxPendingCost: 1024 * 1024 * 1024 };

/** What one send costs on top of its frame's length (characters): a small frame to many followers is still work. */
export const SEND_COST = 8 * 1024;

/** The estimated work of sending `frame` to `followers` followers. */
export const fanOutCost = (frame: string, followers: number): number => (frame.length + SEND_COST) * followers;

/** Runs `task` on a later event-loop turn; returns how to cancel it. Tests pass their own to drive turns by hand. */
export type Schedule = (task: () => void) => () => void;

/** The next event-loop turn, after I/O: `setImmediate`. */
export const nextTurn: Schedule = (task) => {
  const immediate = setImmediate(task);
  return () => clearImmediate(immediate);
};

/** One event still to be delivered to the followers from `next` on. */
interface Job<T> {
  readonly frame: string;
  readonly event: RecordedEvent;
  readonly targets: readonly T[];
  next: number;
}

/**
 * Per-key (per-stream) FIFO queues of deliveries, drained in slices. `send` delivers one frame to one target and
 * says whether it did (a target that left is skipped and costs nothing); it must not throw.
 */
export class SlicedFanOut<T> {
  /** Keys with work waiting, in turn order; a key is present only while its queue is not empty. */
  readonly #queues = new Map<string, Job<T>[]>();
  #cancel: (() => void) | null = null;
  /** The {@link fanOutCost} of every send still waiting. */
  #pendingCost = 0;

  constructor(
    private readonly send: (target: T, frame: string, event: RecordedEvent) => boolean,
    private readonly budget: FanOutBudget = DEFAULT_FAN_OUT_BUDGET,
    private readonly schedule: Schedule = nextTurn,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether an event of `key` sent to `followers` may be delivered at once: nothing of `key` waits, and it is small. */
  fitsNow(key: string, frame: string, followers: number): boolean {
    return !this.#queues.has(key) && fanOutCost(frame, followers) <= this.budget.syncCost;
  }

  /** Queues `frame` for `targets`, after whatever of `key` waits; delivery starts on the next turn. */
  enqueue(key: string, frame: string, event: RecordedEvent, targets: readonly T[]): void {
    const queue = this.#queues.get(key);
    const job: Job<T> = { frame, event, targets, next: 0 };
    if (queue === undefined) this.#queues.set(key, [job]);
    else queue.push(job);
    this.#pendingCost += fanOutCost(frame, targets.length);
    if (this.#pendingCost > this.budget.maxPendingCost) this.#deliver(Number.POSITIVE_INFINITY, () => this.#pendingCost <= this.budget.maxPendingCost);
    this.#cancel ??= this.#queues.size > 0 ? this.schedule(() => this.#slice()) : null;
  }

  /** Events waiting, over all keys (for tests and status). */
  pending(): number {
    let count = 0;
    for (const queue of this.#queues.values()) count += queue.length;
    return count;
  }

  /** Drops every delivery waiting. */
  clear(): void {
    this.#cancel?.();
    this.#cancel = null;
    this.#queues.clear();
    this.#pendingCost = 0;
  }

  /** Delivers for up to one slice's time, key by key in turns, then schedules the rest. */
  #slice(): void {
    this.#cancel = null;
    this.#deliver(this.now() + this.budget.sliceMs, () => false);
    if (this.#queues.size > 0) this.#cancel = this.schedule(() => this.#slice());
  }

  /** Delivers key by key in turns until `deadline` or until `enough()` says so after a key's turn. */
  #deliver(deadline: number, enough: () => boolean): void {
    let more = true;
    while (more && this.#queues.size > 0 && !enough()) {
      const [key, queue] = this.#queues.entries().next().value as [string, Job<T>[]];
      // This key's turn: to the back of the line, so that other keys' work is not held behind a long fan-out.
      this.#queues.delete(key);
      more = this.#drain(queue, deadline);
      if (queue.length > 0) this.#queues.set(key, queue);
    }
  }

  /** Delivers `queue`'s jobs in order until `deadline`; whether time is left. */
  #drain(queue: Job<T>[], deadline: number): boolean {
    while (queue.length > 0) {
      const job = queue[0]!;
      while (job.next < job.targets.length) {
        this.#pendingCost -= job.frame.length + SEND_COST;
        if (this.send(job.targets[job.next++]!, job.frame, job.event) && this.now() >= deadline) {
          if (job.next === job.targets.length) queue.shift();
          return false;
        }
      }
      queue.shift();
    }
    return true;
  }
}
