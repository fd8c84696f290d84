import { describe, expect, it } from 'vitest';
import { eventually } from '../agent/support.js';
import { openTestPool, request, streamTypes, waitForState } from './support.js';

const lastResult = async (store: import('../../src/store/index.js').EventStore, sessionId: string): Promise<string | undefined> => {
  const events = (await store.readStream(`session-${sessionId}`))._unsafeUnwrap();
  return (events.filter((event) => event.type === 'TurnCompleted').at(-1)?.data as { result?: string } | undefined)?.result;
};

describe('session pool: hibernation and wake', () => {
  it('hibernates an idle session after idle_timeout (process stopped, actor unloaded) and resumes it on the next message', async () => {
    const { pool, store } = await openTestPool({ 'session_pool.idle_timeout': '300ms' });
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready');
    (await pool.send(sessionId, { userId: 'ada', text: 'the password is swordfish' }))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'idle');
    expect(await eventually(() => pool.status().sessions.hibernated === 1, 3_000)).toBe(true);
    expect(await eventually(() => pool.status().processes.live === 0 && pool.status().sessions.resident === 0, 3_000)).toBe(true);

    (await pool.send(sessionId, { userId: 'ada', text: '::history' }))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'idle', (s) => s.context.usage.turns === 2);
    expect(await lastResult(store, sessionId)).toContain('swordfish');
    expect(await streamTypes(store, sessionId)).toEqual(expect.arrayContaining(['TimerElapsed', 'AgentSpawned', 'AgentInitialized']));
  });

  it('wakes a hibernated session on request, and hibernates on request', async () => {
    const { pool } = await openTestPool();
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready');
    expect((await pool.hibernate(sessionId))._unsafeUnwrap()).toBe(true);
    await waitForState(pool, sessionId, 'hibernated');
    expect((await pool.wake(sessionId, 'ada'))._unsafeUnwrap()).toBe(true);
    await waitForState(pool, sessionId, 'ready');
    expect(pool.status().sessions.resident).toBe(1);
  });

  it('terminates a session while it is being hibernated (the unloaded actor is loaded again)', async () => {
    const { pool, store } = await openTestPool();
    for (let i = 0; i < 5; i++) {
      const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
      await waitForState(pool, sessionId, 'ready');
      const [hibernated, terminated] = await Promise.all([pool.hibernate(sessionId), pool.terminate(sessionId)]);
      expect(hibernated._unsafeUnwrap()).toBe(true);
      expect(terminated._unsafeUnwrap()).toBe(true);
      expect(await streamTypes(store, sessionId)).toEqual(expect.arrayContaining(['SessionHibernated', 'SessionTerminated']));
    }
  });

  it('over the process cap, hibernates the least recently used idle session to make room, and wakes it on demand', async () => {
    const { pool, store } = await openTestPool({ 'session_pool.max_size': 2 });
    const ids: string[] = [];
    for (const user of ['a', 'b']) {
      const { sessionId } = (await pool.create(request(user)))._unsafeUnwrap();
      await waitForState(pool, sessionId, 'ready');
      ids.push(sessionId);
    }
    (await pool.send(ids[1]!, { userId: 'b', text: 'busy work' }))._unsafeUnwrap();
    await waitForState(pool, ids[1]!, 'idle');
    // A third session: the cap is reached, so the least recently active idle session (a) is hibernated.
    const third = (await pool.create(request('c')))._unsafeUnwrap();
    await waitForState(pool, third.sessionId, 'ready');
    await waitForState(pool, ids[0]!, 'hibernated');
    expect(pool.status().processes.live).toBeLessThanOrEqual(2);
    const evicted = (await store.readStream('pool-main'))._unsafeUnwrap().filter((event) => event.type === 'SessionEvicted');
    expect(evicted.map((event) => event.data)).toEqual([expect.objectContaining({ sessionId: ids[0], reason: 'lru' })]);
    // A message to the hibernated session takes a slot from the next idle one.
    (await pool.send(ids[0]!, { userId: 'a', text: 'back again' }))._unsafeUnwrap();
    await waitForState(pool, ids[0]!, 'idle');
    expect(pool.status().processes.live).toBeLessThanOrEqual(2);
  });

  it('refuses a new session with PoolExhausted when every process is busy', async () => {
    const { pool } = await openTestPool({ 'session_pool.max_size': 1 });
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready');
    (await pool.send(sessionId, { userId: 'ada', text: '::slow 1000' }))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'busy');
    expect((await pool.create(request('bob')))._unsafeUnwrapErr()).toMatchObject({ kind: 'PoolExhausted', cap: 1 });
  });
});
