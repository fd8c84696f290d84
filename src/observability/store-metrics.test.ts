import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EXPECTED_REVISION } from '../store/constants.js';
import { MemoryEventStore } from '../store/memory/memory-event-store.js';
import { measureStoreAppends } from './store-metrics.js';

describe('store append metrics', () => {
  it('measures each append (duration, events) and counts refusals by kind, from 0', async () => {
    const { store, metrics } = measureStoreAppends(new MemoryEventStore());
    const registry = new Registry();
    metrics.register(registry);
    expect(await registry.metrics()).toContain('aicli_event_store_append_errors_total{kind="WrongExpectedVersion"} 0');
    const event = { type: 'Happened', data: {}, metadata: {} };
    expect((await store.append('s-1', [event, event], { expectedRevision: EXPECTED_REVISION.noStream })).isOk()).toBe(true);
    expect((await store.append('s-1', [event], { expectedRevision: EXPECTED_REVISION.noStream })).isErr()).toBe(true);
    const body = await registry.metrics();
    expect(body).toContain('aicli_event_store_append_duration_seconds_count 1');
    expect(body).toContain('aicli_event_store_append_events_sum 3');
    expect(body).toContain('aicli_event_store_append_errors_total{kind="WrongExpectedVersion"} 1');
    // Everything else passes through, bound to the store.
    expect((await store.readStream('s-1'))._unsafeUnwrap()).toHaveLength(2);
  });
});
