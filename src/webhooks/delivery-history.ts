/**
 * What an endpoint's delivery stream says, folded: the delivery ids it has ever been asked for (so a source event
 * seen again after a restart is not requested twice) and the deliveries still pending, in request order, with the
 * attempts already made and when the next one was due. Pure; the stream is read by `delivery-log.ts`.
 */
import { createHash } from 'node:crypto';
import { WEBHOOK_EVENT, type WebhookDeliveryRequestedData, type WebhookKind } from '../../machines/index.js';

/** A delivery that was requested and has not ended (no `WebhookDelivered`, no `WebhookAbandoned`). */
export interface PendingDelivery {
  readonly requested: WebhookDeliveryRequestedData;
  /** Attempts made so far (failed ones: a success ends the delivery). */
  readonly attempts: number;
  /** When the next attempt is due (epoch ms); `null`: at once. */
  readonly dueAt: number | null;
}

/** An endpoint's deliveries as its stream tells them. */
export interface DeliveryHistory {
  readonly known: ReadonlySet<string>;
  readonly pending: readonly PendingDelivery[];
  /** The newest global position a requested delivery reports (`-1n`: none): events up to it may be known. */
  readonly newestSource: bigint;
}

/** The part of a stored event the fold reads. */
export interface DeliveryRecord {
  readonly type: string;
  readonly data: unknown;
}

/** Folds an endpoint's delivery stream, in order. Events of other types, or without a delivery id, are skipped. */
export function foldDeliveries(records: Iterable<DeliveryRecord>): DeliveryHistory {
  const known = new Set<string>();
  const pending = new Map<string, PendingDelivery>();
  let newestSource = -1n;
  for (const { type, data } of records) {
    const fields = (typeof data === 'object' && data !== null ? data : {}) as { deliveryId?: unknown; attempt?: unknown; retryAt?: unknown };
    if (typeof fields.deliveryId !== 'string') continue;
    const id = fields.deliveryId;
    if (type === WEBHOOK_EVENT.deliveryRequested) {
      if (known.has(id)) continue;
      known.add(id);
      const requested = data as WebhookDeliveryRequestedData;
      const position = /^\d+$/.test(String(requested.source?.position)) ? BigInt(requested.source.position) : -1n;
      if (position > newestSource) newestSource = position;
      pending.set(id, { requested, attempts: 0, dueAt: null });
    } else if (type === WEBHOOK_EVENT.attemptFailed) {
      const entry = pending.get(id);
      if (entry === undefined) continue;
      const attempts = typeof fields.attempt === 'number' ? Math.max(entry.attempts, fields.attempt) : entry.attempts + 1;
      pending.set(id, { ...entry, attempts, dueAt: typeof fields.retryAt === 'number' ? fields.retryAt : null });
    } else if (type === WEBHOOK_EVENT.delivered || type === WEBHOOK_EVENT.abandoned) {
      pending.delete(id);
    }
  }
  return { known, pending: [...pending.values()], newestSource };
}

/**
 * The delivery id of `kind` raised by stored event `sourceEventId` for endpoint `endpointId`: a UUID derived from
 * the three (SHA-256, version nibble 8), so seeing the source event again gives the same id.
 */
export function deliveryIdOf(endpointId: string, sourceEventId: string, kind: WebhookKind): string {
  const hex = createHash('sha256').update(`${endpointId}\n${sourceEventId}\n${kind}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
