/**
 * The delivery streams in the store: one `webhook-<endpoint id>` stream per endpoint. `request` appends the
 * `WebhookDeliveryRequested` under the delivery id as event id (the store refuses a second event with that id, so
 * a delivery is requested once); `record` appends an attempt's outcome in the background (a failure to store it is
 * reported, never thrown: the delivery goes on); `history` reads a stream back at start.
 */
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { webhookStream, WEBHOOK_EVENT, type WebhookAbandonedData, type WebhookAttemptFailedData, type WebhookDeliveredData, type WebhookDeliveryRequestedData } from '../../machines/index.js';
import { EXPECTED_REVISION, STORE_ERROR_KIND, type EventStore, type JsonValue, type StoreError } from '../store/index.js';
import { foldDeliveries, type DeliveryHistory } from './delivery-history.js';

/** An attempt's outcome as stored. */
export type DeliveryOutcome =
  | { readonly type: typeof WEBHOOK_EVENT.attemptFailed; readonly data: WebhookAttemptFailedData }
  | { readonly type: typeof WEBHOOK_EVENT.delivered; readonly data: WebhookDeliveredData }
  | { readonly type: typeof WEBHOOK_EVENT.abandoned; readonly data: WebhookAbandonedData };

/** Reads and writes the delivery streams. */
export class DeliveryLog {
  constructor(
    private readonly store: EventStore,
    private readonly report: (message: string, error: StoreError) => void,
  ) {}

  /** Endpoint `endpointId`'s deliveries so far (none when its stream does not exist yet). */
  history(endpointId: string): ResultAsync<DeliveryHistory, StoreError> {
    return this.store
      .readStream(webhookStream(endpointId))
      .map((events) => foldDeliveries(events))
      .orElse((error) => (error.kind === STORE_ERROR_KIND.StreamNotFound ? okAsync(foldDeliveries([])) : errAsync(error)));
  }

  /** Stores that a delivery is wanted; `false` when the stream already holds it (nothing appended). */
  request(data: WebhookDeliveryRequestedData): ResultAsync<boolean, StoreError> {
    const event = { id: data.deliveryId, type: WEBHOOK_EVENT.deliveryRequested, data: data as unknown as JsonValue, metadata: { at: data.at } };
    return this.store
      .append(webhookStream(data.endpoint), [event], { expectedRevision: EXPECTED_REVISION.any })
      .map(() => true)
      .orElse((error) => (error.kind === STORE_ERROR_KIND.InvalidEvent ? okAsync(false) : errAsync(error)));
  }

  /** Appends an attempt's outcome in the background. */
  record(endpointId: string, outcome: DeliveryOutcome): void {
    void this.store
      .append(webhookStream(endpointId), [{ type: outcome.type, data: outcome.data as unknown as JsonValue, metadata: { at: outcome.data.at } }], { expectedRevision: EXPECTED_REVISION.any })
      .mapErr((error) => this.report(`could not store ${outcome.type} of delivery ${outcome.data.deliveryId}`, error));
  }
}
