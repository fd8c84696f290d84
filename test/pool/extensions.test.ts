import { describe, expect, it } from 'vitest';
import { rejectRequest, type MessageProcessor, type PoolHandler, type SessionLease } from '../../src/pool/index.js';
import { openTestPool, request, waitForState } from './support.js';

describe('session pool: custom handlers and message processors', () => {
  it('runs onCreate (rewriting or rejecting the request), onAcquire and onRelease', async () => {
    const { pool } = await openTestPool();
    const seen: string[] = [];
    const handler: PoolHandler = {
      onCreate: (req) => (req.metadata['plan'] === 'yes' ? { ...req, options: { ...req.options, permissionMode: 'plan' } } : req.userId === 'eve' ? rejectRequest('no eve', 'banned') : req),
      onAcquire: (lease: SessionLease) => void seen.push(`acquire ${lease.userId} ${lease.source}`),
      onRelease: (lease: SessionLease) => void seen.push(`release ${lease.userId}`),
    };
    expect(pool.registerHandler('policy', handler).isOk()).toBe(true);
    expect(pool.registerHandler('policy', handler)._unsafeUnwrapErr()).toMatchObject({ kind: 'ExtensionExists' });

    const lease = (await pool.create(request('ada', { metadata: { plan: 'yes' } })))._unsafeUnwrap();
    const ready = await waitForState(pool, lease.sessionId, 'ready');
    expect(ready.context.options.permissionMode).toBe('plan');
    expect((await pool.create(request('eve')))._unsafeUnwrapErr()).toMatchObject({ kind: 'Extension', error: { kind: 'HandlerRejected', code: 'banned', message: 'no eve' } });
    await pool.release(lease);
    await pool.release(lease);
    expect(seen).toEqual(['acquire ada cold', 'release ada']);
  });

  it('passes user messages and agent output through the processor chain before they are stored', async () => {
    const { pool, store } = await openTestPool();
    const redact: MessageProcessor = {
      name: 'redact',
      beforeMessage: (message) => ({ ...message, text: message.text.replaceAll('secret', '[redacted]') }),
      afterOutput: (chunk) => ({ ...chunk, content: JSON.parse(JSON.stringify(chunk.content).replaceAll('echo', 'ECHO')) as unknown }),
    };
    const refuse: MessageProcessor = {
      name: 'refuse-shouting',
      beforeMessage: (message) => (message.text === message.text.toUpperCase() ? rejectRequest('no shouting', 'shouting') : message),
    };
    expect(pool.useProcessor(redact).isOk()).toBe(true);
    expect(pool.useProcessor(refuse).isOk()).toBe(true);
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready');
    (await pool.send(sessionId, { userId: 'ada', text: 'my secret plan' }))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'idle');
    expect((await pool.send(sessionId, { userId: 'ada', text: 'HELLO' }))._unsafeUnwrapErr()).toMatchObject({ kind: 'Extension', error: { kind: 'MessageRejected', code: 'shouting' } });
    const events = (await store.readStream(`session-${sessionId}`))._unsafeUnwrap();
    expect(events.find((event) => event.type === 'MessageAccepted')?.data).toMatchObject({ text: 'my [redacted] plan' });
    const texts = events.filter((event) => event.type === 'AgentOutputReceived').map((event) => (event.data as { content: { text?: string } }).content.text);
    expect(texts).toContain('ECHO: my [redacted] plan');
  });

  it('shares a session: placement joins a second user to an open shareable session of the same profile, and affinity brings them back', async () => {
    const { pool } = await openTestPool({ 'session_pool.max_participants': 2 });
    const first = (await pool.acquire(request('ada', { shareable: true })))._unsafeUnwrap();
    const second = (await pool.acquire(request('bob')))._unsafeUnwrap();
    expect(second).toMatchObject({ sessionId: first.sessionId, source: 'existing' });
    const snapshot = (await pool.snapshot(first.sessionId))._unsafeUnwrap();
    expect(snapshot.context.participants.map((p) => [p.userId, p.role])).toEqual([['ada', 'owner'], ['bob', 'editor']]);
    // Full (2 participants' leases): the next user gets a new session.
    const third = (await pool.acquire(request('cy')))._unsafeUnwrap();
    expect(third.sessionId).not.toBe(first.sessionId);
    await pool.release(second);
    const again = (await pool.acquire(request('bob')))._unsafeUnwrap();
    expect(again.sessionId).toBe(first.sessionId);
  });

  it('places no one in a private session, nor a removed user back in a shareable one (sharing is consent)', async () => {
    const { pool } = await openTestPool({ 'session_pool.max_participants': 4 });
    const private_ = (await pool.acquire(request('ada')))._unsafeUnwrap();
    const other = (await pool.acquire(request('bob')))._unsafeUnwrap();
    expect(other.sessionId).not.toBe(private_.sessionId);
    const shared = (await pool.create(request('cy', { shareable: true })))._unsafeUnwrap();
    expect((await pool.acquire(request('dan')))._unsafeUnwrap().sessionId).toBe(shared.sessionId);
    (await pool.leave(shared.sessionId, 'dan', { removed: true }))._unsafeUnwrap();
    const back = (await pool.acquire(request('dan')))._unsafeUnwrap();
    expect(back.sessionId).not.toBe(shared.sessionId);
    expect((await pool.snapshot(shared.sessionId))._unsafeUnwrap().context).toMatchObject({ removed: ['dan'], participants: [{ userId: 'cy' }] });
  });
});
