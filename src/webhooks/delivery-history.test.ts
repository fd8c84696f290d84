import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT, WEBHOOK_KINDS } from '../../machines/index.js';
import { deliveryIdOf, foldDeliveries } from './delivery-history.js';

const requested = (deliveryId: string) => ({ type: WEBHOOK_EVENT.deliveryRequested, data: { deliveryId, endpoint: 'ops', kind: 'turn.completed', source: { eventId: 'e', stream: 's', position: '1' }, payload: {}, at: 1 } });
const failed = (deliveryId: string, attempt: number, retryAt: number | null) => ({ type: WEBHOOK_EVENT.attemptFailed, data: { deliveryId, attempt, error: 'timeout', durationMs: 5, retryAt, at: 2 } });

describe('foldDeliveries', () => {
  it('keeps requested deliveries without an end as pending, with their attempts and next due time', () => {
    const history = foldDeliveries([
      requested('a'),
      requested('b'),
      requested('c'),
      failed('a', 1, 100),
      failed('a', 2, 300),
      { type: WEBHOOK_EVENT.delivered, data: { deliveryId: 'b', attempt: 1, status: 200, durationMs: 3, at: 3 } },
      failed('c', 1, null),
      { type: WEBHOOK_EVENT.abandoned, data: { deliveryId: 'c', attempts: 1, reason: 'max_attempts', at: 4 } },
    ]);
    expect([...history.known]).toEqual(['a', 'b', 'c']);
    expect(history.newestSource).toBe(1n);
    expect(history.pending.map(({ requested: r, attempts, dueAt }) => ({ id: r.deliveryId, attempts, dueAt }))).toEqual([{ id: 'a', attempts: 2, dueAt: 300 }]);
  });

  it('ignores a repeated request, outcomes of unknown deliveries and foreign events', () => {
    const history = foldDeliveries([requested('a'), failed('a', 1, 50), requested('a'), failed('x', 1, 9), { type: 'Other', data: { deliveryId: 'a' } }, { type: WEBHOOK_EVENT.delivered, data: null }]);
    expect(history.pending).toEqual([expect.objectContaining({ attempts: 1, dueAt: 50 })]);
  });
});

describe('deliveryIdOf', () => {
  it('is a stable UUID, different per endpoint, source event and kind', () => {
    fc.assert(
      fc.property(fc.string(), fc.uuid(), fc.constantFrom(...WEBHOOK_KINDS), (endpoint, eventId, kind) => {
        const id = deliveryIdOf(endpoint, eventId, kind);
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(deliveryIdOf(endpoint, eventId, kind)).toBe(id);
        expect(deliveryIdOf(`${endpoint}x`, eventId, kind)).not.toBe(id);
      }),
    );
    expect(deliveryIdOf('ops', 'e1', 'turn.completed')).not.toBe(deliveryIdOf('ops', 'e1', 'turn.failed'));
  });
});
