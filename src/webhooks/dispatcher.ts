/**
 * Webhooks from the event store: one catch-up subscription (filtered to the event types that raise notices,
 * `notices.ts`) maps each stored fact to notices; each endpoint that wants a notice (by kind and tenant) gets a
 * delivery, stored first as `WebhookDeliveryRequested` in its `webhook-<id>` stream and then handed to that
 * endpoint's queue (`endpoint-deliveries.ts`). The subscription is the dispatcher's own: no append, ack or session
 * waits for it, so a dead endpoint never slows a session.
 *
 * Restart: the position of the last event handled is kept as store checkpoint `webhooks` (written every few
 * seconds and at close); a start subscribes after it (after the head on the very first start), so facts stored
 * while the server was down or not yet handled are not lost. Deliveries whose request is stored without an end
 * resume with the attempts already made. An event handled again after the checkpoint maps to the same delivery id,
 * found in the stream, so it is not requested twice; an attempt interrupted by a stop is made again
 * (at-least-once: receivers deduplicate on the delivery id).
 */
import { ResultAsync } from 'neverthrow';
import { RUNTIME_EVENT_TYPE, type WebhookDeliveryRequestedData, type WebhookPayload } from '../../machines/index.js';
import type { Clock } from '../runtime/index.js';
import { formatStoreError, type EventStore, type RecordedEvent, type StoreError, type Subscription } from '../store/index.js';
import { deliveryIdOf } from './delivery-history.js';
import { DeliveryLog } from './delivery-log.js';
import { wants, type DeliveryPolicy, type WebhookEndpoint } from './endpoint.js';
import { EndpointDeliveries, type DeliveryGate, type DeliveryObserver, type DeliveryPost } from './endpoint-deliveries.js';
import { postWebhook } from './http-post.js';
import { webhookNotices, WEBHOOK_SOURCE_TYPES, type WebhookNotice } from './notices.js';
import { SessionTenants } from './session-tenants.js';

/** Request appends in flight at once before the subscription waits for one. */
const MAX_REQUESTS_IN_FLIGHT = 256;

/** Name of the store checkpoint holding the position of the last event the dispatcher handled. */
export const WEBHOOK_CHECKPOINT = 'webhooks';

/** What the dispatcher is built from. */
export interface WebhookDispatcherDeps {
  readonly store: EventStore;
  readonly endpoints: readonly WebhookEndpoint[];
  readonly policy: DeliveryPolicy;
  readonly clock: Clock;
  /** Sends one request (default: `fetch`). */
  readonly post?: DeliveryPost;
  /** The circuit breaker of endpoint `id` (default: none). */
  readonly gateOf?: (endpointId: string) => DeliveryGate;
  readonly observe?: DeliveryObserver;
  /** Problems that do not stop the dispatcher (a store write failed, a tenant unknown). */
  readonly onFault?: (message: string) => void;
  /** How often the checkpoint is written while events arrive (default 5 s). */
  readonly checkpointEveryMs?: number;
  readonly random?: () => number;
  /** Delay before resubscribing after the store ended the subscription (default 500 ms). */
  readonly restartDelayMs?: number;
}

/** Turns stored facts into signed deliveries to the configured endpoints. */
export class WebhookDispatcher {
  readonly #log: DeliveryLog;
  readonly #tenants: SessionTenants;
  readonly #queues = new Map<string, EndpointDeliveries>();
  /** Delivery ids already requested, while events the previous run may have handled can still come. */
  #known = new Set<string>();
  /** Position up to which {@link #known} is needed. */
  #replayUntil = -1n;
  #subscription: Subscription | null = null;
  #handled: { position: bigint; eventId: string } | null = null;
  /** Position of the last event handled, or where the subscription started. */
  #position = 0n;
  #saved: bigint | null = null;
  #checkpointTimer: ReturnType<typeof setInterval> | null = null;
  #restartTimer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  #busy: Promise<void> = Promise.resolve();
  /** Request appends not yet settled. */
  readonly #requests = new Set<Promise<void>>();

  constructor(private readonly deps: WebhookDispatcherDeps) {
    this.#log = new DeliveryLog(deps.store, (message, error) => this.#fault(`${message}: ${formatStoreError(error)}`));
    this.#tenants = new SessionTenants(deps.store);
    const post = deps.post ?? postWebhook;
    for (const endpoint of deps.endpoints) {
      this.#queues.set(
        endpoint.id,
        new EndpointDeliveries({
          endpoint,
          policy: deps.policy,
          log: this.#log,
          post,
          clock: deps.clock,
          ...(deps.gateOf === undefined ? {} : { gate: deps.gateOf(endpoint.id) }),
          ...(deps.observe === undefined ? {} : { observe: deps.observe }),
          ...(deps.random === undefined ? {} : { random: deps.random }),
        }),
      );
    }
  }

  /** Resumes the pending deliveries, then follows the store from the checkpoint (or the head). */
  start(): ResultAsync<void, StoreError> {
    const { store } = this.deps;
    const histories = ResultAsync.combine(this.deps.endpoints.map((endpoint) => this.#log.history(endpoint.id).map((history) => ({ endpoint, history }))));
    return histories.andThen((loaded) =>
      ResultAsync.combine([store.readCheckpoint(WEBHOOK_CHECKPOINT), store.headPosition()] as const).map(([checkpoint, head]) => {
        for (const { endpoint, history } of loaded) {
          for (const id of history.known) this.#known.add(id);
          // Ids are needed only while events up to the newest one a delivery was requested for can come again.
          if (history.newestSource > this.#replayUntil) this.#replayUntil = history.newestSource;
          for (const pending of history.pending) this.#queues.get(endpoint.id)!.enqueue(pending.requested, pending.attempts, pending.dueAt);
        }
        const from = checkpoint !== null && checkpoint.position <= head ? checkpoint.position : head;
        if (this.#replayUntil < from) this.#replayUntil = from;
        this.#subscribe(from);
        this.#checkpointTimer = setInterval(() => void this.#saveCheckpoint(), this.deps.checkpointEveryMs ?? 5_000);
        this.#checkpointTimer.unref?.();
      }),
    );
  }

  #subscribe(fromPosition: bigint): void {
    if (this.#closed) return;
    this.#position = fromPosition;
    const subscription = this.deps.store.subscribe({ fromPosition, filter: { eventTypes: [...WEBHOOK_SOURCE_TYPES, RUNTIME_EVENT_TYPE.sessionProvisioned] } });
    this.#subscription = subscription;
    const pumped = this.#pump(subscription);
    this.#busy = pumped;
  }

  async #pump(subscription: Subscription): Promise<void> {
    try {
      for await (const event of subscription) {
        await this.#handle(event);
        this.#handled = { position: event.position, eventId: event.id };
        this.#position = event.position;
      }
    } catch (error) {
      this.#fault(`the store subscription failed: ${String(error)}`);
    }
    const ended = await subscription.ended;
    if (this.#closed || this.#subscription !== subscription) return;
    this.#fault(`the store subscription ended${ended.isErr() ? `: ${formatStoreError(ended.error)}` : ''}; resuming`);
    this.#subscription = null;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      this.#subscribe(this.#position);
    }, this.deps.restartDelayMs ?? 500);
  }

  async #handle(event: RecordedEvent): Promise<void> {
    this.#tenants.observe(event);
    if (event.position > this.#replayUntil && this.#known.size > 0) this.#known = new Set();
    for (const notice of webhookNotices(event)) {
      const tenant = notice.tenant ?? (notice.sessionId === undefined ? null : await this.#tenants.of(notice.sessionId));
      if (tenant === null) {
        this.#fault(`no tenant found for ${notice.kind} of event ${event.id} in ${event.stream}; not delivered`);
        continue;
      }
      for (const endpoint of this.deps.endpoints) if (wants(endpoint, notice.kind, tenant)) await this.#request(endpoint, event, notice, tenant);
    }
  }

  /**
   * Stores the request and hands the delivery to its endpoint once stored. The append is not awaited here (the
   * store commits concurrent appends together), only bounded: at most {@link MAX_REQUESTS_IN_FLIGHT} at once.
   */
  async #request(endpoint: WebhookEndpoint, event: RecordedEvent, notice: WebhookNotice, tenant: string): Promise<void> {
    const deliveryId = deliveryIdOf(endpoint.id, event.id, notice.kind);
    if (this.#known.has(deliveryId)) return;
    const at = typeof event.metadata.at === 'number' ? event.metadata.at : event.recordedAt.getTime();
    const payload: WebhookPayload = {
      id: deliveryId,
      type: notice.kind,
      occurredAt: new Date(at).toISOString(),
      tenant,
      ...(notice.sessionId === undefined ? {} : { sessionId: notice.sessionId }),
      data: notice.data,
    };
    const requested: WebhookDeliveryRequestedData = {
      deliveryId,
      endpoint: endpoint.id,
      kind: notice.kind,
      source: { eventId: event.id, stream: event.stream, position: event.position.toString() },
      payload,
      at: this.deps.clock.now(),
    };
    while (this.#requests.size >= MAX_REQUESTS_IN_FLIGHT) await Promise.race(this.#requests);
    const stored: Promise<void> = Promise.resolve(this.#log.request(requested)).then((result) => {
      this.#requests.delete(stored);
      if (result.isOk() && !result.value) return;
      // Not stored (the store refused the write): still delivered, at most once more after a restart.
      if (result.isErr()) this.#fault(`could not store the request of delivery ${deliveryId}: ${formatStoreError(result.error)}`);
      this.#queues.get(endpoint.id)!.enqueue(requested);
    });
    this.#requests.add(stored);
  }

  /** Saves the position of the last event handled, once the requests it raised are stored. */
  async #saveCheckpoint(): Promise<void> {
    const handled = this.#handled;
    if (handled === null || handled.position === this.#saved) return;
    await Promise.all([...this.#requests]);
    const written = await this.deps.store.writeCheckpoint(WEBHOOK_CHECKPOINT, { position: handled.position, eventId: handled.eventId, body: '{}' });
    if (written.isOk()) this.#saved = handled.position;
    else this.#fault(`could not write the webhook checkpoint: ${formatStoreError(written.error)}`);
  }

  #fault(message: string): void {
    this.deps.onFault?.(message);
  }

  /** Settles once every queue is empty (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.idle()));
  }

  /** Stops following the store, aborts the attempts in flight (they resume at the next start) and saves the checkpoint. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#checkpointTimer !== null) clearInterval(this.#checkpointTimer);
    if (this.#restartTimer !== null) clearTimeout(this.#restartTimer);
    for (const queue of this.#queues.values()) queue.close();
    const subscription = this.#subscription;
    this.#subscription = null;
    await subscription?.close();
    await this.#busy;
    await this.#saveCheckpoint();
  }
}
