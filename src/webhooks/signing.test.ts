import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature, webhookSignature } from './signing.js';

const SECRET = 'a-webhook-secret-of-at-least-32-bytes!';

describe('webhook signatures', () => {
  it('are sha256= and the hex HMAC-SHA256 of "<timestamp>.<body>" under the secret', () => {
    const body = '{"id":"d1","type":"turn.completed"}';
    const expected = createHmac('sha256', SECRET).update(`1700000000.${body}`).digest('hex');
    expect(webhookSignature(SECRET, 1_700_000_000, body)).toBe(`sha256=${expected}`);
  });

  it('verify for the same secret, body and timestamp, and for nothing else', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 600 }), (body, other, skew) => {
        const timestamp = 1_700_000_000;
        const signature = webhookSignature(SECRET, timestamp, body);
        const check = (overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
          verifyWebhookSignature({ secret: SECRET, body, timestamp: String(timestamp), signature, nowSeconds: timestamp + skew, ...overrides });
        expect(check({})).toBe(skew <= 300);
        expect(check({ nowSeconds: timestamp, body: body + other })).toBe(false);
        expect(check({ nowSeconds: timestamp, secret: `${SECRET}x` })).toBe(false);
        // The timestamp is signed: moving it forward (to pass the freshness check) breaks the signature.
        expect(check({ nowSeconds: timestamp, timestamp: String(timestamp + 1) })).toBe(false);
      }),
    );
  });

  it('refuse a missing or malformed header', () => {
    const body = '{}';
    const signature = webhookSignature(SECRET, 1_700_000_000, body);
    const base = { secret: SECRET, body, nowSeconds: 1_700_000_000 };
    expect(verifyWebhookSignature({ ...base, timestamp: undefined, signature })).toBe(false);
    expect(verifyWebhookSignature({ ...base, timestamp: '1700000000', signature: undefined })).toBe(false);
    expect(verifyWebhookSignature({ ...base, timestamp: '17e8', signature })).toBe(false);
    expect(verifyWebhookSignature({ ...base, timestamp: '1700000000', signature: signature.slice(0, -1) })).toBe(false);
  });
});
