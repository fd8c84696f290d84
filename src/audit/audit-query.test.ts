import { describe, expect, it } from 'vitest';
import { AUDIT_ACTION, auditStreamOf, type AuditEventData } from '../../machines/index.js';
import { MemoryEventStore } from '../store/index.js';
import { AUDIT_SCAN_MAX, formatAuditCursor, parseAuditCursor, readAuditPage } from './audit-query.js';
import { parseAuditTime } from './audit-time.js';

const DAY = Date.UTC(2026, 11, 4);
const HOUR = 3_600_000;

const event = (at: number, userId: string, action: AuditEventData['action'] = AUDIT_ACTION.sessionCreated): AuditEventData => ({
  action,
  outcome: 'allowed',
  reason: null,
  detail: null,
  actor: { userId, tenant: 'acme', role: 'user', via: 'jwt', keyId: null, address: '10.0.0.1' },
  target: {},
  requestId: null,
  at,
  count: 1,
});

async function storeWith(events: readonly AuditEventData[]): Promise<MemoryEventStore> {
  const store = new MemoryEventStore();
  for (const data of events) (await store.append(auditStreamOf(data.at), [{ type: 'X', data: data as never }], { expectedRevision: 'any' }))._unsafeUnwrap();
  return store;
}

describe('audit query', () => {
  it('reads the day streams of the range in order, filters, and pages with a cursor that continues exactly', async () => {
    const store = await storeWith([event(DAY - HOUR, 'old'), event(DAY + HOUR, 'ada'), event(DAY + 2 * HOUR, 'bob'), event(DAY + 25 * HOUR, 'ada'), event(DAY + 49 * HOUR, 'late')]);
    const range = { from: DAY, to: DAY + 48 * HOUR };
    const all = (await readAuditPage(store, { ...range, limit: 10 }))._unsafeUnwrap();
    expect(all.events.map((data) => `${data.actor.userId}@${data.stream}#${data.revision}`)).toEqual(['ada@audit-2026-12-04#0', 'bob@audit-2026-12-04#1', 'ada@audit-2026-12-05#0']);
    expect(all.nextCursor).toBeNull();

    const first = (await readAuditPage(store, { ...range, actor: 'ada', limit: 1 }))._unsafeUnwrap();
    expect(first.events.map((data) => data.at)).toEqual([DAY + HOUR]);
    const second = (await readAuditPage(store, { ...range, actor: 'ada', limit: 1, cursor: parseAuditCursor(first.nextCursor!)! }))._unsafeUnwrap();
    expect(second.events.map((data) => data.at)).toEqual([DAY + 25 * HOUR]);
    const third = (await readAuditPage(store, { ...range, actor: 'ada', limit: 1, cursor: parseAuditCursor(second.nextCursor!)! }))._unsafeUnwrap();
    expect(third).toEqual({ events: [], nextCursor: null });
  });

  it('answers an empty page for a range without streams (regression: no cursor and no day used to throw)', async () => {
    const store = await storeWith([event(DAY + HOUR, 'ada')]);
    expect((await readAuditPage(store, { from: DAY - 48 * HOUR, to: DAY - 24 * HOUR, limit: 5 }))._unsafeUnwrap()).toEqual({ events: [], nextCursor: null });
  });

  it('stops after scanning the bound and hands back a cursor at the next unscanned event', async () => {
    const store = new MemoryEventStore();
    const many = Array.from({ length: AUDIT_SCAN_MAX + 3 }, (_, index) => ({ type: 'X', data: event(DAY + index, 'noise') as never }));
    (await store.append('audit-2026-12-04', many, { expectedRevision: 'any' }))._unsafeUnwrap();
    const page = (await readAuditPage(store, { from: DAY, to: DAY + HOUR, actor: 'nobody', limit: 10 }))._unsafeUnwrap();
    expect(page).toEqual({ events: [], nextCursor: formatAuditCursor({ day: '2026-12-04', revision: BigInt(AUDIT_SCAN_MAX) }) });
    expect((await readAuditPage(store, { from: DAY, to: DAY + HOUR, actor: 'nobody', limit: 10, cursor: parseAuditCursor(page.nextCursor!)! }))._unsafeUnwrap()).toEqual({ events: [], nextCursor: null });
  });

  it('parses cursors and times strictly', () => {
    expect(parseAuditCursor('2026-12-04:17')).toEqual({ day: '2026-12-04', revision: 17n });
    for (const bad of ['', 'abc', '2026-12-04', '2026-12-04:-1', '2026-12-04:1e3']) expect(parseAuditCursor(bad)).toBeNull();
    const now = DAY + HOUR;
    expect(parseAuditTime('2026-12-04T00:00:00Z', now)._unsafeUnwrap()).toBe(DAY);
    expect(parseAuditTime(String(DAY), now)._unsafeUnwrap()).toBe(DAY);
    expect(parseAuditTime('1h', now)._unsafeUnwrap()).toBe(DAY);
    expect(parseAuditTime('yesterday', now).isErr()).toBe(true);
    expect(parseAuditTime('2026-13-45', now).isErr()).toBe(true);
  });
});
