import { describe, expect, it } from 'vitest';
import { BREAKER_PERSISTED_NAME, POOL_PERSISTED_NAME, SESSION_OUTCOME_NAME, SESSION_PERSISTED_NAME as S } from '../../machines/index.js';
import { POOL_BREAKERS, type SessionPool } from '../../src/pool/index.js';
import { RUNTIME_EVENT_TYPE, STREAM_PREFIX } from '../../src/runtime/index.js';
import type { EventStore } from '../../src/store/index.js';
import { openTestPool, request, stateTrail, streamEvents, streamTypes, until, waitForState, type StoredEvent } from './support.js';

const POOL_STREAM = `${STREAM_PREFIX.pool}main`;
const sessionStream = (sessionId: string): string => `${STREAM_PREFIX.session}${sessionId}`;

/** The outcomes of the `RecoveryReported` events of `sessionId` in the pool stream, in order. */
async function recoveryOutcomes(store: EventStore, sessionId: string): Promise<unknown[]> {
  return (await streamEvents(store, POOL_STREAM))
    .filter((event) => event.type === POOL_PERSISTED_NAME.RECOVERY_REPORTED && event.data.sessionId === sessionId)
    .map((event) => event.data.outcome);
}

/** The stored `TurnAborted` events of the session, as `[turnId, reason]`. */
async function abortedTurns(store: EventStore, sessionId: string): Promise<unknown[][]> {
  return (await streamEvents(store, sessionStream(sessionId)))
    .filter((event) => event.type === SESSION_OUTCOME_NAME.TURN_ABORTED)
    .map((event) => [event.data.turnId, event.data.reason]);
}

/** The stored `TurnCompleted` of `turnId`, if any. */
const completionOf = (events: readonly StoredEvent[], turnId: string): StoredEvent | undefined =>
  events.find((event) => event.type === S.TURN_COMPLETED && event.data.turnId === turnId);

/** Sends `text` as ada and waits for its turn to complete; resolves with the stored `TurnCompleted`. */
async function answered(pool: SessionPool, store: EventStore, sessionId: string, text: string): Promise<StoredEvent | undefined> {
  const { turnId } = (await pool.send(sessionId, { userId: 'ada', text }))._unsafeUnwrap();
  await waitForState(pool, sessionId, 'idle', (s) => s.context.currentTurn === null && s.context.queuedMessages.length === 0);
  return completionOf(await streamEvents(store, sessionStream(sessionId)), turnId);
}

/** A session of ada that is ready, with the pid of its agent. */
async function readySession(pool: SessionPool): Promise<{ sessionId: string; pid: number }> {
  const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
  const ready = await waitForState(pool, sessionId, 'ready');
  const pid = ready.context.agent.pid;
  if (pid === null) throw new Error('a ready session has no pid');
  return { sessionId, pid };
}

describe('session pool: agent faults', () => {
  it('a crash mid-turn is detected, the process replaced with --resume, and the conversation goes on', async () => {
    const { pool, store } = await openTestPool();
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready');
    (await pool.send(sessionId, { userId: 'ada', text: 'remember me' }))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'idle');
    (await pool.send(sessionId, { userId: 'ada', text: '::crash' }))._unsafeUnwrap();
    const ready = await waitForState(pool, sessionId, 'ready', (s) => s.context.failures.crashes === 1);
    expect(ready.context.failures.crashes).toBe(1);
    (await pool.send(sessionId, { userId: 'ada', text: '::history' }))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'idle', (s) => s.context.usage.turns === 2);
    const events = (await store.readStream(`session-${sessionId}`))._unsafeUnwrap();
    const history = events.filter((event) => event.type === 'TurnCompleted').at(-1)?.data as { result?: string };
    expect(history.result).toContain('remember me');
    expect(await streamTypes(store, sessionId)).toEqual(expect.arrayContaining(['AgentFaulted', 'RecoverySucceeded']));
    const poolEvents = (await store.readStream('pool-main'))._unsafeUnwrap().filter((event) => event.type === 'RecoveryReported');
    expect(poolEvents.map((event) => (event.data as { outcome: string }).outcome)).toEqual(['started', 'succeeded']);
  });

  it('a recovery that goes straight into a queued turn is reported as succeeded', async () => {
    const { pool, store } = await openTestPool();
    const { sessionId } = await readySession(pool);
    const first = (await pool.send(sessionId, { userId: 'ada', text: 'first ::slow 300 ::crash' }))._unsafeUnwrap();
    const second = (await pool.send(sessionId, { userId: 'ada', text: 'second' }))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'idle', (s) => s.context.failures.crashes === 1 && s.context.usage.turns >= 1);
    const events = await streamEvents(store, sessionStream(sessionId));
    // RecoverySucceeded takes the session from recovering straight to busy: the queued message is sent at once.
    const stored = (await store.readStream(sessionStream(sessionId)))._unsafeUnwrap();
    expect(stored.find((event) => event.type === S.RECOVERY_SUCCEEDED)?.metadata).toMatchObject({ from: 'recovering', to: 'busy' });
    expect(await abortedTurns(store, sessionId)).toEqual([[first.turnId, 'agent-fault']]);
    expect(completionOf(events, second.turnId)).toBeDefined();
    expect(await recoveryOutcomes(store, sessionId)).toEqual(['started', 'succeeded']);
  });

  it('a stalled turn is aborted, the process killed and resumed, and the next message is answered', async () => {
    const { pool, store } = await openTestPool({ 'agent.stall_timeout': '1s' });
    const { sessionId, pid } = await readySession(pool);
    const { turnId } = (await pool.send(sessionId, { userId: 'ada', text: '::stall' }))._unsafeUnwrap();
    const ready = await waitForState(pool, sessionId, 'ready', (s) => s.context.failures.stalls === 1);
    expect(ready.context.lastFault).toMatchObject({ kind: 'stall' });
    expect(ready.context.failures.consecutive).toBe(1);
    expect(ready.context.agent.pid).not.toBe(pid);
    expect(await abortedTurns(store, sessionId)).toEqual([[turnId, 'agent-fault']]);
    await until('the stalled process to be gone', () => !pool.ownedPids().includes(pid));

    const events = await streamEvents(store, sessionStream(sessionId));
    // Whichever watchdog fires first records the stall: the session's deadline or the runner's.
    const stall = events.find(
      (event) => (event.type === S.TIMER_ELAPSED && event.data.name === 'stallTimeout') || (event.type === S.AGENT_FAULT && event.data.fault === 'stall'),
    );
    expect(stall).toBeDefined();
    expect(events.map((event) => event.type)).toContain(S.RECOVERY_SUCCEEDED);
    expect(completionOf(events, turnId)).toBeUndefined();
    expect(await recoveryOutcomes(store, sessionId)).toEqual(['started', 'succeeded']);

    const next = await answered(pool, store, sessionId, 'still there?');
    expect(next?.data).toMatchObject({ isError: false, result: 'echo: still there?' });
    expect((await pool.snapshot(sessionId))._unsafeUnwrap().context.failures.consecutive).toBe(0);
  });

  it('a hung turn is interrupted at the turn timeout, counted as a hang when the interrupt goes unanswered, and recovered', async () => {
    const { pool, store } = await openTestPool({ 'agent.turn_timeout': '1s', 'agent.stall_timeout': '5s', 'agent.interrupt_grace': '500ms' });
    const { sessionId, pid } = await readySession(pool);
    const trail = stateTrail(pool, sessionId);
    const { turnId } = (await pool.send(sessionId, { userId: 'ada', text: '::hang' }))._unsafeUnwrap();
    const interrupting = await waitForState(pool, sessionId, 'interrupting');
    expect(interrupting.context.currentTurn).toMatchObject({ turnId, interruptedAt: expect.any(Number) });
    // `::hang` ignores the interrupt: no result comes, so the interrupt grace runs out and the process counts as hung.
    const ready = await waitForState(pool, sessionId, 'ready', (s) => s.context.failures.hangs === 1);
    expect(ready.context.lastFault).toMatchObject({ kind: 'hang', detail: 'interruptTimeout' });
    expect(ready.context.agent.pid).not.toBe(pid);
    expect(trail).toEqual(['busy', 'interrupting', 'recovering', 'ready']);
    expect(await abortedTurns(store, sessionId)).toEqual([[turnId, 'agent-fault']]);

    const events = await streamEvents(store, sessionStream(sessionId));
    const timers = events.filter((event) => event.type === S.TIMER_ELAPSED).map((event) => event.data.name);
    expect(timers).toEqual(['turnTimeout', 'interruptTimeout']);
    expect(completionOf(events, turnId)).toBeUndefined();
    expect(await recoveryOutcomes(store, sessionId)).toEqual(['started', 'succeeded']);

    const next = await answered(pool, store, sessionId, 'awake?');
    expect(next?.data).toMatchObject({ isError: false, result: 'echo: awake?' });
  });

  it('a slow turn interrupted at the turn timeout completes as an error and is no fault', async () => {
    const { pool, store } = await openTestPool({ 'agent.turn_timeout': '1s', 'agent.stall_timeout': '5s', 'agent.interrupt_grace': '1s' });
    const { sessionId, pid } = await readySession(pool);
    const trail = stateTrail(pool, sessionId);
    const { turnId } = (await pool.send(sessionId, { userId: 'ada', text: '::slow 600 takes three chunks' }))._unsafeUnwrap();
    const idle = await waitForState(pool, sessionId, 'idle');
    expect(trail).toEqual(['busy', 'interrupting', 'idle']);
    expect(idle.context.failures).toMatchObject({ hangs: 0, consecutive: 0 });
    expect(idle.context.lastFault).toBeNull();
    expect(idle.context.agent.pid).toBe(pid);
    expect(await abortedTurns(store, sessionId)).toEqual([]);
    const events = await streamEvents(store, sessionStream(sessionId));
    expect(completionOf(events, turnId)?.data).toMatchObject({ isError: true });
    expect(events.map((event) => event.type)).not.toContain(S.AGENT_FAULT);
    expect(await recoveryOutcomes(store, sessionId)).toEqual([]);

    const next = await answered(pool, store, sessionId, 'quick one');
    expect(next?.data).toMatchObject({ isError: false, result: 'echo: quick one' });
  });

  it('garbage on stdout is a garbage fault: the process is replaced and the next message is answered', async () => {
    const { pool, store } = await openTestPool();
    const { sessionId, pid } = await readySession(pool);
    const { turnId } = (await pool.send(sessionId, { userId: 'ada', text: '::garbage 20' }))._unsafeUnwrap();
    const ready = await waitForState(pool, sessionId, 'ready', (s) => s.context.failures.garbage === 1);
    expect(ready.context.lastFault).toMatchObject({ kind: 'garbage', detail: expect.stringContaining('malformed lines') });
    expect(ready.context.agent.pid).not.toBe(pid);
    expect(await abortedTurns(store, sessionId)).toEqual([[turnId, 'agent-fault']]);

    const events = await streamEvents(store, sessionStream(sessionId));
    const faults = events.filter((event) => event.type === S.AGENT_FAULT);
    expect(faults.map((event) => event.data.fault)).toEqual(['garbage']);
    expect(events.map((event) => event.type)).toContain(S.RECOVERY_SUCCEEDED);
    expect(completionOf(events, turnId)).toBeUndefined();
    expect(await recoveryOutcomes(store, sessionId)).toEqual(['started', 'succeeded']);

    const next = await answered(pool, store, sessionId, 'clean now');
    expect(next?.data).toMatchObject({ isError: false, result: 'echo: clean now' });
  });

  it('an agent exiting with code 3 mid-turn is an exit fault carrying the code, and is recovered', async () => {
    const { pool, store } = await openTestPool();
    const { sessionId, pid } = await readySession(pool);
    await answered(pool, store, sessionId, 'remember me');
    (await pool.send(sessionId, { userId: 'ada', text: '::exit 3' }))._unsafeUnwrap();
    const ready = await waitForState(pool, sessionId, 'ready', (s) => s.context.failures.exits === 1);
    expect(ready.context.lastFault).toMatchObject({ kind: 'exit', exitCode: 3 });
    expect(ready.context.agent.pid).not.toBe(pid);

    const events = await streamEvents(store, sessionStream(sessionId));
    const fault = events.find((event) => event.type === S.AGENT_FAULT);
    expect(fault?.data).toMatchObject({ fault: 'exit', exitCode: 3, detail: expect.stringContaining('exiting with 3') });
    expect(events.map((event) => event.type)).toContain(S.RECOVERY_SUCCEEDED);
    expect(await recoveryOutcomes(store, sessionId)).toEqual(['started', 'succeeded']);

    const next = await answered(pool, store, sessionId, '::history');
    // After a completed turn the conversation is resumed: the transcript still has the earlier messages.
    expect(next?.data).toMatchObject({ isError: false, result: 'history: remember me | ::exit 3 | ::history' });
  });

  it('faults past max_consecutive_failures fail the session: process killed, queued turns aborted, sends refused, terminate works', async () => {
    const { pool, store } = await openTestPool({ 'error_recovery.max_consecutive_failures': 1 });
    const { sessionId } = await readySession(pool);
    const crashed = (await pool.send(sessionId, { userId: 'ada', text: '::crash' }))._unsafeUnwrap().turnId;
    const recovered = await waitForState(pool, sessionId, 'ready', (s) => s.context.failures.crashes === 1);
    expect(recovered.context.failures.consecutive).toBe(1);
    const pid = recovered.context.agent.pid;
    expect(pid).not.toBeNull();

    // A recovery is not a successful turn: the next fault, with turns queued behind it, is one too many.
    const stalled = (await pool.send(sessionId, { userId: 'ada', text: '::stall' }))._unsafeUnwrap().turnId;
    const queued: string[] = [];
    for (const text of ['one', 'two']) queued.push((await pool.send(sessionId, { userId: 'ada', text }))._unsafeUnwrap().turnId);
    const failed = await waitForState(pool, sessionId, 'failed');
    expect(failed.context).toMatchObject({ currentTurn: null, queuedMessages: [], agent: { pid: null } });
    expect(failed.context.failures).toMatchObject({ crashes: 1, stalls: 1, consecutive: 2 });
    expect(await abortedTurns(store, sessionId)).toEqual([[crashed, 'agent-fault'], ...[stalled, ...queued].map((turnId) => [turnId, 'failed'])]);
    await until('the failed session\'s process to be gone', () => pool.ownedPids().length === 0);
    expect(pool.status().sessions.byState.failed).toBe(1);

    const sent = await pool.send(sessionId, { userId: 'ada', text: 'anyone?' });
    expect(sent._unsafeUnwrapErr()).toEqual({ kind: 'SessionClosed', sessionId, state: 'failed' });
    const events = await streamEvents(store, sessionStream(sessionId));
    expect(events.filter((event) => event.type === S.TURN_COMPLETED)).toEqual([]);

    expect((await pool.terminate(sessionId, 'operator'))._unsafeUnwrap()).toBe(true);
    expect(await streamTypes(store, sessionId)).toContain(S.TERMINATE);
    expect(pool.sessionIds()).toEqual([]);
  });

  it('api_retry lines feed the anthropic-api breaker as http_529 failures, and the turn still completes', async () => {
    const { pool, store } = await openTestPool();
    const { sessionId } = await readySession(pool);
    const done = await answered(pool, store, sessionId, '::api-retry 3');
    expect(done?.data).toMatchObject({ isError: false, result: 'echo: ::api-retry 3' });

    const breaker = `${STREAM_PREFIX.breaker}${POOL_BREAKERS.api}`;
    await until('the breaker to record the turn', async () => (await streamEvents(store, breaker)).some((event) => event.type === BREAKER_PERSISTED_NAME.CALL_SUCCEEDED));
    const calls = (await streamEvents(store, breaker)).filter((event) => event.type !== RUNTIME_EVENT_TYPE.breakerCreated);
    expect(calls.map((event) => [event.type, event.data.errorKind])).toEqual([
      [BREAKER_PERSISTED_NAME.CALL_FAILED, 'http_529'],
      [BREAKER_PERSISTED_NAME.CALL_FAILED, 'http_529'],
      [BREAKER_PERSISTED_NAME.CALL_FAILED, 'http_529'],
      [BREAKER_PERSISTED_NAME.CALL_SUCCEEDED, undefined],
    ]);
    expect(pool.status().breakers[POOL_BREAKERS.api]).toBe('closed');
    const outputs = (await streamEvents(store, sessionStream(sessionId))).filter((event) => event.type === S.AGENT_OUTPUT && event.data.chunkType === 'api_retry');
    expect(outputs).toHaveLength(3);
  });
});
