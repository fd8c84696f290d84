/**
 * The deliveries of one endpoint: a bounded queue, at most `concurrency` attempts in flight, a deadline per
 * attempt, exponential back-off with jitter between attempts, and the endpoint's circuit breaker asked before each
 * one (while it is open, deliveries wait for it without spending attempts). Each attempt's outcome is stored in
 * the endpoint's delivery stream and counted in the metrics. Nothing here is awaited by whoever enqueues: a dead or
 * slow endpoint delays only its own deliveries. `close()` aborts the attempts in flight without storing an
 * outcome, so they stay pending in the stream and the next start resumes them.
 */
import { WEBHOOK_EVENT, type WebhookDeliveryRequestedData } from '../../machines/index.js';
import type { Clock } from '../runtime/index.js';
import { retryDelayMs } from './backoff.js';
import type { DeliveryLog } from './delivery-log.js';
import type { DeliveryPolicy, WebhookEndpoint } from './endpoint.js';
import type { PostOutcome } from './http-post.js';
import { WEBHOOK_HEADER, webhookSignature } from './signing.js';

/** The endpoint's circuit breaker, as deliveries ask it (a `BreakerGuard` behind it in the server). */
export interface DeliveryGate {
  /** Whether an attempt may go now; if not, when to ask again (`null`: unknown, use the back-off). */
  admit(): Promise<{ readonly admitted: true } | { readonly admitted: false; readonly retryAt: number | null }>;
  succeeded(durationMs: number): void;
  failed(durationMs: number, errorKind: string): void;
}

/** A gate that always admits (no breaker). */
export const OPEN_GATE: DeliveryGate = { admit: () => Promise.resolve({ admitted: true }), succeeded: () => undefined, failed: () => undefined };

/** Outcomes counted by `aicli_webhook_deliveries_total{outcome}`. */
export type DeliveryMetricOutcome = 'delivered' | 'failed' | 'abandoned';

/** Hears about each attempt (`seconds`: its duration) and each delivery given up. */
export type DeliveryObserver = (endpoint: string, outcome: DeliveryMetricOutcome, seconds: number | null) => void;

/** Sends one request; `signal` aborts it. */
export type DeliveryPost = (url: string, headers: Readonly<Record<string, string>>, body: string, timeoutMs: number, signal: AbortSignal) => Promise<PostOutcome>;

interface Item {
  readonly requested: WebhookDeliveryRequestedData;
  readonly body: string;
  attempts: number;
  dueAt: number;
}

/** What an endpoint's deliveries need. */
export interface EndpointDeliveriesDeps {
  readonly endpoint: WebhookEndpoint;
  readonly policy: DeliveryPolicy;
  readonly log: DeliveryLog;
  readonly post: DeliveryPost;
  readonly clock: Clock;
  readonly gate?: DeliveryGate;
  readonly observe?: DeliveryObserver;
  readonly random?: () => number;
}

/** One endpoint's queue and its attempts. */
export class EndpointDeliveries {
  readonly #waiting: Item[] = [];
  #inFlight = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerAt = Infinity;
  #closed = false;
  readonly #abort = new AbortController();
  readonly #idle = new Set<() => void>();

  constructor(private readonly deps: EndpointDeliveriesDeps) {}

  /** Deliveries held now (waiting, retrying or in flight). */
  get size(): number {
    return this.#waiting.length + this.#inFlight;
  }

  /** Takes a requested delivery (resumed ones with the attempts already made and when the next is due). */
  enqueue(requested: WebhookDeliveryRequestedData, attempts = 0, dueAt: number | null = null): void {
    if (this.#closed) return;
    if (this.size >= this.deps.policy.queueSize) this.#dropOldest();
    this.#waiting.push({ requested, body: JSON.stringify(requested.payload), attempts, dueAt: dueAt ?? 0 });
    this.#pump();
  }

  /** Settles when nothing is waiting or in flight (tests). */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /** Stops: no new attempt, the ones in flight aborted (they stay pending in the stream). */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#abort.abort();
    this.#waiting.length = 0;
  }

  #dropOldest(): void {
    const oldest = this.#waiting.shift();
    if (oldest === undefined) return;
    const { endpoint, log, clock, observe } = this.deps;
    log.record(endpoint.id, { type: WEBHOOK_EVENT.abandoned, data: { deliveryId: oldest.requested.deliveryId, attempts: oldest.attempts, reason: 'queue_full', at: clock.now() } });
    observe?.(endpoint.id, 'abandoned', null);
  }

  #pump(): void {
    if (this.#closed) return;
    const now = this.deps.clock.now();
    let next = Infinity;
    for (let index = 0; index < this.#waiting.length && this.#inFlight < this.deps.policy.concurrency; ) {
      const item = this.#waiting[index]!;
      if (item.dueAt <= now) {
        this.#waiting.splice(index, 1);
        this.#inFlight++;
        void this.#attempt(item);
      } else {
        next = Math.min(next, item.dueAt);
        index++;
      }
    }
    if (this.#inFlight < this.deps.policy.concurrency) this.#wakeAt(next);
    if (this.size === 0) for (const resolve of this.#idle) resolve();
    if (this.size === 0) this.#idle.clear();
  }

  #wakeAt(at: number): void {
    if (at === Infinity || at >= this.#timerAt) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      this.#pump();
    }, Math.max(0, at - this.deps.clock.now()));
    this.#timer.unref?.();
  }

  async #attempt(item: Item): Promise<void> {
    const { endpoint, policy, log, clock, observe } = this.deps;
    const gate = this.deps.gate ?? OPEN_GATE;
    const admission = await gate.admit();
    if (this.#closed) return;
    if (!admission.admitted) {
      // The breaker is open: wait for it without spending an attempt.
      const now = clock.now();
      item.dueAt = Math.max(admission.retryAt ?? 0, now + policy.backoff.baseMs);
      this.#requeue(item);
      return;
    }
    const attempt = item.attempts + 1;
    const { deliveryId, kind } = item.requested;
    const timestamp = Math.floor(clock.now() / 1000);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'aicli-webhooks',
      [WEBHOOK_HEADER.signature]: webhookSignature(endpoint.secret, timestamp, item.body),
      [WEBHOOK_HEADER.timestamp]: String(timestamp),
      [WEBHOOK_HEADER.delivery]: deliveryId,
      [WEBHOOK_HEADER.event]: kind,
      [WEBHOOK_HEADER.attempt]: String(attempt),
    };
    const outcome = await this.deps.post(endpoint.url, headers, item.body, policy.timeoutMs, this.#abort.signal);
    if (this.#closed) return;
    const at = clock.now();
    observe?.(endpoint.id, outcome.ok ? 'delivered' : 'failed', outcome.durationMs / 1000);
    if (outcome.ok) {
      gate.succeeded(outcome.durationMs);
      log.record(endpoint.id, { type: WEBHOOK_EVENT.delivered, data: { deliveryId, attempt, status: outcome.status, durationMs: outcome.durationMs, at } });
      this.#settle();
      return;
    }
    gate.failed(outcome.durationMs, outcome.error);
    const last = attempt >= policy.maxAttempts;
    const retryAt = last ? null : at + retryDelayMs(attempt, policy.backoff, this.deps.random);
    const status = outcome.status === undefined ? {} : { status: outcome.status };
    log.record(endpoint.id, { type: WEBHOOK_EVENT.attemptFailed, data: { deliveryId, attempt, ...status, error: outcome.error, durationMs: outcome.durationMs, retryAt, at } });
    if (retryAt === null) {
      log.record(endpoint.id, { type: WEBHOOK_EVENT.abandoned, data: { deliveryId, attempts: attempt, reason: 'max_attempts', at } });
      observe?.(endpoint.id, 'abandoned', null);
      this.#settle();
      return;
    }
    item.attempts = attempt;
    item.dueAt = retryAt;
    this.#requeue(item);
  }

  #requeue(item: Item): void {
    this.#inFlight--;
    this.#waiting.push(item);
    this.#pump();
  }

  #settle(): void {
    this.#inFlight--;
    this.#pump();
  }
}
