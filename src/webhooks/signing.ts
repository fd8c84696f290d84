/**
 * Webhook signatures, as Stripe and GitHub do them: the server signs `<timestamp>.<raw body>` with HMAC-SHA256 under
 * the endpoint's secret and sends `X-Aicli-Signature: sha256=<lower-case hex>` with `X-Aicli-Timestamp: <unix
 * seconds>`. The timestamp is inside the signed content, so a captured request cannot be replayed later with a new
 * timestamp; a receiver refuses one whose timestamp is too far from its clock. Each attempt is signed afresh (new
 * timestamp); the body and `X-Aicli-Delivery` stay the same.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header names of a webhook request. */
export const WEBHOOK_HEADER = {
  signature: 'x-aicli-signature',
  timestamp: 'x-aicli-timestamp',
  delivery: 'x-aicli-delivery',
  event: 'x-aicli-event',
  attempt: 'x-aicli-attempt',
} as const;

/** Fewest bytes of an endpoint secret (the HMAC-SHA256 block of security). */
export const MIN_WEBHOOK_SECRET_BYTES = 32;

/** The `X-Aicli-Signature` value of `body` sent at `timestamp` (unix seconds): `sha256=` + hex HMAC of `<timestamp>.<body>`. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver checks. */
export interface SignedRequest {
  readonly secret: string;
  /** The raw body bytes as received (not re-serialised JSON). */
  readonly body: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  /** Largest accepted distance between the timestamp and `nowSeconds` (default 300). */
  readonly toleranceSeconds?: number;
  readonly nowSeconds?: number;
}

/** Whether a received webhook is authentic and fresh (constant-time comparison); the receiver side, for tests and docs. */
export function verifyWebhookSignature(request: SignedRequest): boolean {
  const { secret, body, timestamp, signature } = request;
  if (timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = request.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (request.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(webhookSignature(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
