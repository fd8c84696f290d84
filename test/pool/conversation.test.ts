import { describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/store/index.js';
import { openTestPool, request, streamTypes, waitForState } from './support.js';

/** The texts of a session's stored partial-message deltas, in order. */
async function storedDeltas(store: EventStore, sessionId: string): Promise<string[]> {
  const events = (await store.readStream(`session-${sessionId}`))._unsafeUnwrap();
  return events
    .filter((event) => event.type === 'AgentOutputReceived' && (event.data as { chunkType: string }).chunkType === 'stream_event')
    .map((event) => (event.data as { content: { text: string } }).content.text);
}

describe('session pool: a conversation', () => {
  it('creates a session, answers a message, stores the output, and ends with no process left', async () => {
    const { pool, store } = await openTestPool();
    const lease = (await pool.create(request()))._unsafeUnwrap();
    expect(lease).toMatchObject({ tenant: 'acme', userId: 'ada', source: 'cold' });
    await waitForState(pool, lease.sessionId, 'ready');
    const sent = (await pool.send(lease.sessionId, { userId: 'ada', text: 'hello' }))._unsafeUnwrap();
    const idle = await waitForState(pool, lease.sessionId, 'idle');
    expect(idle.context.usage.turns).toBe(1);
    const events = (await store.readStream(`session-${lease.sessionId}`))._unsafeUnwrap();
    const output = events.filter((event) => event.type === 'AgentOutputReceived').map((event) => (event.data as { content?: { text?: string } }).content?.text);
    expect(output).toContain('echo: hello');
    // With agent.partial_messages (the default) the text also streams as deltas, stored as they arrive (joined per
    // read); those read together with the complete message are not stored, so what is stored is a prefix of it.
    const deltas = events
      .filter((event) => event.type === 'AgentOutputReceived' && (event.data as { chunkType: string }).chunkType === 'stream_event')
      .map((event) => (event.data as { content: { text?: string } }).content.text ?? '');
    expect('echo: hello'.startsWith(deltas.join(''))).toBe(true);
    const completed = events.find((event) => event.type === 'TurnCompleted');
    expect(completed?.data).toMatchObject({ turnId: sent.turnId, isError: false, result: 'echo: hello' });
    expect((await pool.terminate(lease.sessionId, 'done'))._unsafeUnwrap()).toBe(true);
    expect(await streamTypes(store, lease.sessionId)).toContain('SessionTerminated');
    expect(pool.sessionIds()).toEqual([]);
  });

  it('stores the deltas of a long answer joined per read, not one event per delta, in order', async () => {
    const { pool, store } = await openTestPool();
    const lease = (await pool.create(request()))._unsafeUnwrap();
    await waitForState(pool, lease.sessionId, 'ready');
    const text = Array.from({ length: 500 }, (_, i) => `word${i}`).join(' ');
    (await pool.send(lease.sessionId, { userId: 'ada', text }))._unsafeUnwrap();
    await waitForState(pool, lease.sessionId, 'idle');
    const deltas = await storedDeltas(store, lease.sessionId);
    expect(`echo: ${text}`.startsWith(deltas.join(''))).toBe(true);
    // The fake agent writes 16-character deltas: over 250 lines, read in a few chunks.
    expect(deltas.length).toBeLessThan(20);
  });

  it('stores every delta that arrived before the complete message, so a slow answer streams whole', async () => {
    const { pool, store } = await openTestPool();
    const lease = (await pool.create(request()))._unsafeUnwrap();
    await waitForState(pool, lease.sessionId, 'ready');
    // `::slow 40` makes the fake agent wait 40 ms after each 16-character delta, the complete message included.
    const text = 'a streamed answer ::slow 40';
    (await pool.send(lease.sessionId, { userId: 'ada', text }))._unsafeUnwrap();
    await waitForState(pool, lease.sessionId, 'idle');
    const deltas = await storedDeltas(store, lease.sessionId);
    expect(deltas.join('')).toBe(`echo: ${text}`);
    expect(deltas.length).toBeGreaterThan(1);
  });

  it('refuses messages from non-participants and viewers, and to unknown sessions, with typed errors', async () => {
    const { pool } = await openTestPool();
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    expect((await pool.send(sessionId, { userId: 'mallory', text: 'hi' }))._unsafeUnwrapErr()).toMatchObject({ kind: 'NotParticipant' });
    (await pool.join(sessionId, 'vic', 'viewer'))._unsafeUnwrap();
    expect((await pool.send(sessionId, { userId: 'vic', text: 'hi' }))._unsafeUnwrapErr()).toMatchObject({ kind: 'NotParticipant' });
    expect((await pool.send('nope', { userId: 'ada', text: 'hi' }))._unsafeUnwrapErr()).toMatchObject({ kind: 'SessionNotFound' });
  });
});

describe('session pool: idempotent sends', () => {
  it('accepts a clientMsgId once, also when retried concurrently and after a restart', async () => {
    const { pool, store, reopen } = await openTestPool();
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready');
    const [first, concurrent] = await Promise.all([
      pool.send(sessionId, { userId: 'ada', text: 'once', clientMsgId: 'm-1' }),
      pool.send(sessionId, { userId: 'ada', text: 'once', clientMsgId: 'm-1' }),
    ]);
    expect(first._unsafeUnwrap().duplicate).toBe(false);
    expect(concurrent._unsafeUnwrap()).toEqual({ ...first._unsafeUnwrap(), duplicate: true });
    await waitForState(pool, sessionId, 'idle');
    const later = (await pool.send(sessionId, { userId: 'ada', text: 'once', clientMsgId: 'm-1' }))._unsafeUnwrap();
    expect(later).toEqual({ ...first._unsafeUnwrap(), duplicate: true });
    // Another user's clientMsgId is their own.
    (await pool.join(sessionId, 'bob', 'editor'))._unsafeUnwrap();
    expect((await pool.send(sessionId, { userId: 'bob', text: 'mine', clientMsgId: 'm-1' }))._unsafeUnwrap().duplicate).toBe(false);
    await pool.close();

    const again = await reopen();
    const afterRestart = (await again.send(sessionId, { userId: 'ada', text: 'once', clientMsgId: 'm-1' }))._unsafeUnwrap();
    expect(afterRestart).toEqual({ ...first._unsafeUnwrap(), duplicate: true });
    const accepted = (await streamTypes(store, sessionId)).filter((type) => type === 'MessageAccepted');
    expect(accepted).toHaveLength(2);
  });
});
