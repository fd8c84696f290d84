import { describe, expect, it } from 'vitest';
import { openTestPool, request, streamTypes, waitForState } from './support.js';

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
    // With agent.partial_messages (the default) the text also streams as deltas, stored as they arrive (joined per read).
    const deltas = events
      .filter((event) => event.type === 'AgentOutputReceived' && (event.data as { chunkType: string }).chunkType === 'stream_event')
      .map((event) => (event.data as { content: { text?: string } }).content.text ?? '');
    expect(deltas.join('')).toBe('echo: hello');
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
    const events = (await store.readStream(`session-${lease.sessionId}`))._unsafeUnwrap();
    const deltas = events
      .filter((event) => event.type === 'AgentOutputReceived' && (event.data as { chunkType: string }).chunkType === 'stream_event')
      .map((event) => (event.data as { content: { text: string } }).content.text);
    expect(deltas.join('')).toBe(`echo: ${text}`);
    // The fake agent writes 16-character deltas: over 250 lines, read in a few chunks.
    expect(deltas.length).toBeLessThan(20);
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
