/**
 * Webhooks: what a configured endpoint is told (the kinds and the payload it receives) and the events that record
 * each delivery in the endpoint's `webhook-<endpoint id>` stream: one `WebhookDeliveryRequested`, then one event
 * per attempt (`WebhookAttemptFailed`, or `WebhookDelivered` which ends it), or `WebhookAbandoned` when it is given
 * up. A payload carries ids, kinds, states and numbers, never what people or the agent said (no message text, no
 * result, no tool input): a receiver fetches details through the API with its own credentials. `src/webhooks/`
 * writes and reads them. Import these constants; never retype the strings.
 */

/** Stream-name prefix of the delivery streams: `webhook-<endpoint id>`. */
export const WEBHOOK_STREAM_PREFIX = 'webhook-';

/** The delivery stream of endpoint `endpointId`. */
export const webhookStream = (endpointId: string): string => `${WEBHOOK_STREAM_PREFIX}${endpointId}`;

/** What an endpoint can be told about (the payload's `type`, the `X-Aicli-Event` header, the `events` filter). */
export const WEBHOOK_KIND = {
  approvalRequested: 'approval.requested',
  turnCompleted: 'turn.completed',
  turnFailed: 'turn.failed',
  budgetExhausted: 'budget.exhausted',
  sessionFailed: 'session.failed',
} as const;

/** One webhook kind. */
export type WebhookKind = (typeof WEBHOOK_KIND)[keyof typeof WEBHOOK_KIND];

/** Every webhook kind, in document order. */
export const WEBHOOK_KINDS: readonly WebhookKind[] = Object.values(WEBHOOK_KIND);

/** A JSON value of a payload's `data`. */
export type WebhookValue = null | boolean | number | string | readonly WebhookValue[] | { readonly [key: string]: WebhookValue };

/** The JSON body an endpoint receives (serialised with `JSON.stringify`, keys in this order). */
export interface WebhookPayload {
  /** The delivery id: the same on every attempt (and in `X-Aicli-Delivery`); deduplicate on it. */
  readonly id: string;
  readonly type: WebhookKind;
  /** When the fact was stored (ISO 8601, UTC). */
  readonly occurredAt: string;
  /** The tenant the fact belongs to. */
  readonly tenant: string;
  /** The session it concerns; absent for a tenant-wide fact (`budget.exhausted`). */
  readonly sessionId?: string;
  /** Kind-specific fields (see docs/webhooks.md). */
  readonly data: { readonly [key: string]: WebhookValue };
}

/** Stored event types of a `webhook-<endpoint id>` stream. */
export const WEBHOOK_EVENT = {
  deliveryRequested: 'WebhookDeliveryRequested',
  attemptFailed: 'WebhookAttemptFailed',
  delivered: 'WebhookDelivered',
  abandoned: 'WebhookAbandoned',
} as const;

/** Data of `WebhookDeliveryRequested` (its event id is the delivery id, so a repeated request is refused by the store). */
export interface WebhookDeliveryRequestedData {
  readonly deliveryId: string;
  readonly endpoint: string;
  readonly kind: WebhookKind;
  /** The stored event it reports: id, stream and global position (as a decimal string). */
  readonly source: { readonly eventId: string; readonly stream: string; readonly position: string };
  readonly payload: WebhookPayload;
  readonly at: number;
}

/** Data of `WebhookAttemptFailed`: attempt `attempt` (from 1) got no 2xx; `retryAt` null when none follows. */
export interface WebhookAttemptFailedData {
  readonly deliveryId: string;
  readonly attempt: number;
  /** The HTTP status when there was an answer. */
  readonly status?: number;
  /** `http_<status>`, `timeout` or `network`. */
  readonly error: string;
  readonly durationMs: number;
  readonly retryAt: number | null;
  readonly at: number;
}

/** Data of `WebhookDelivered`: attempt `attempt` got a 2xx; the delivery is over. */
export interface WebhookDeliveredData {
  readonly deliveryId: string;
  readonly attempt: number;
  readonly status: number;
  readonly durationMs: number;
  readonly at: number;
}

/** Why a delivery was given up: every attempt failed, or the endpoint's queue overflowed (the oldest goes). */
export type WebhookAbandonReason = 'max_attempts' | 'queue_full';

/** Data of `WebhookAbandoned`: the delivery is over without success after `attempts` attempts. */
export interface WebhookAbandonedData {
  readonly deliveryId: string;
  readonly attempts: number;
  readonly reason: WebhookAbandonReason;
  readonly at: number;
}
