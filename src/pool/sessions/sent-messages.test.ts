import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { turnIdFor } from './sent-messages.js';

describe('turnIdFor', () => {
  it('is the UUID-shaped SHA-256 of session, user and client id, so retries across versions and nodes keep their turn', () => {
    const hex = createHash('sha256').update('s1\u0000ada\u0000m-1').digest('hex');
    expect(turnIdFor('s1', 'ada', 'm-1')).toBe(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`);
    expect(turnIdFor('s1', 'ada', 'm-1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
