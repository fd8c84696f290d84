import { describe, expect, it } from 'vitest';
import { POOL_PERSISTED_NAME as P } from '../../machines/index.js';
import { openTestPool, request, streamEvents, until, waitForState } from './support.js';

const MiB = 1024 * 1024;

describe('session pool: memory budget', () => {
  it('measures agents, lowers the process cap to the budget, and hibernates the least recently used idle session', async () => {
    const { pool, store } = await openTestPool(
      { 'agent.memory_budget': '500MiB', 'agent.process_memory_estimate': '100MiB', 'session_pool.max_size': 4 },
      { probes: { rssOf: () => 300 * MiB } },
    );
    expect(pool.status().cap).toBe(4);
    const ids: string[] = [];
    for (const user of ['a', 'b']) {
      const { sessionId } = (await pool.create(request(user)))._unsafeUnwrap();
      await waitForState(pool, sessionId, 'ready');
      ids.push(sessionId);
    }
    (await pool.send(ids[1]!, { userId: 'b', text: 'recent work' }))._unsafeUnwrap();
    await waitForState(pool, ids[1]!, 'idle');

    expect(pool.maintenance.checkMemory()).toBe(1);
    await waitForState(pool, ids[0]!, 'hibernated');
    expect(pool.status().memory.measuredBytes).toBe(600 * MiB);
    expect(pool.status().cap).toBeLessThan(4);
    await until('the eviction to be recorded', async () => (await streamEvents(store, 'pool-main')).some((event) => event.type === P.SESSION_EVICTED));
    const evicted = (await streamEvents(store, 'pool-main')).filter((event) => event.type === P.SESSION_EVICTED);
    expect(evicted.map((event) => event.data)).toEqual([expect.objectContaining({ sessionId: ids[0], reason: 'memory' })]);
    expect((await pool.snapshot(ids[1]!))._unsafeUnwrap().value).toBe('idle');
  });

  it('recycles a process older than max_lifetime when its session is idle', async () => {
    const { pool } = await openTestPool({ 'session_pool.max_lifetime': '1ms' });
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pool.maintenance.checkLifetimes()).toBe(1);
    await waitForState(pool, sessionId, 'hibernated');
  });
});
