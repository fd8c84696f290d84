/**
 * Replay of streams recorded from a real pool run (memory store, fake claude): a conversation with a second
 * participant, a crash and its recovery, a termination. The projections folded from `store.readAll()` must agree
 * with `pool.status()` and the session snapshots, and a live host started before the run must end with the same state.
 */
import { describe, expect, it } from 'vitest';
import { ERROR_RECOVERY, foldAll, getSession, listSessions, POOL_STATUS, SESSION_LIST, storeProjections, type SessionSummary } from '../../projections/index.js';
import { createProjectionHost } from '../../src/projections/index.js';
import { POOL_BREAKERS, type SessionPool } from '../../src/pool/index.js';
import type { EventStore } from '../../src/store/index.js';
import { openTestPool, request, until, waitForState } from '../pool/support.js';

const projections = storeProjections();

function foldLog(events: Parameters<typeof foldAll>[1]) {
  return {
    [SESSION_LIST]: foldAll(projections[SESSION_LIST], events),
    [POOL_STATUS]: foldAll(projections[POOL_STATUS], events),
    [ERROR_RECOVERY]: foldAll(projections[ERROR_RECOVERY], events),
  };
}

/** Checks a session's summary against its live snapshot and its stream's last revision. */
async function expectSummaryMatches(pool: SessionPool, store: EventStore, summary: SessionSummary | undefined): Promise<void> {
  expect(summary).toBeDefined();
  if (summary === undefined) return;
  const { value, context } = (await pool.snapshot(summary.sessionId))._unsafeUnwrap();
  const stream = (await store.readStream(`session-${summary.sessionId}`))._unsafeUnwrap();
  expect(summary).toEqual({
    sessionId: context.sessionId,
    tenant: context.tenant,
    owner: context.owner,
    state: value,
    participants: context.participants.map(({ userId, role }) => ({ userId, role })),
    createdAt: context.createdAt,
    lastActivityAt: context.lastActivityAt,
    turns: context.usage.turns,
    usage: { inputTokens: context.usage.inputTokens, outputTokens: context.usage.outputTokens, costUsd: context.usage.costUsd },
    lastFault: context.lastFault === null ? null : { kind: context.lastFault.kind, at: context.lastFault.at, detail: context.lastFault.detail },
    revision: String(stream.at(-1)?.revision),
    endedAt: null,
    endReason: null,
  });
}

describe('projections: replay of a real pool run', () => {
  it('agree with the pool status and the session snapshots after a conversation, a crash recovery and a termination', async () => {
    const { pool, store } = await openTestPool();
    const host = createProjectionHost(store, { projections });
    (await host.start())._unsafeUnwrap();

    const { sessionId: a } = (await pool.create(request('ada')))._unsafeUnwrap();
    await waitForState(pool, a, 'ready');
    (await pool.join(a, 'bob', 'editor'))._unsafeUnwrap();
    (await pool.send(a, { userId: 'ada', text: 'hello' }))._unsafeUnwrap();
    await waitForState(pool, a, 'idle');
    (await pool.send(a, { userId: 'bob', text: '::crash' }))._unsafeUnwrap();
    await waitForState(pool, a, 'ready', (s) => s.context.failures.crashes === 1);
    (await pool.send(a, { userId: 'ada', text: 'still there?' }))._unsafeUnwrap();
    await waitForState(pool, a, 'idle', (s) => s.context.usage.turns === 2);
    const { sessionId: b } = (await pool.create(request('cy', { tenant: 'globex' })))._unsafeUnwrap();
    await waitForState(pool, b, 'ready');
    await until('the recovery to be reported', () => pool.status().counts['recoveriesSucceeded'] === 1);

    const live = foldLog((await store.readAll())._unsafeUnwrap());
    const status = pool.status();
    await expectSummaryMatches(pool, store, getSession(live[SESSION_LIST], a));
    await expectSummaryMatches(pool, store, getSession(live[SESSION_LIST], b));
    expect(getSession(live[SESSION_LIST], a)?.lastFault?.kind).toBe('crash');
    expect(live[POOL_STATUS].sessionsByState).toEqual(status.sessions.byState);
    expect(live[POOL_STATUS].target).toBe(status.target);
    expect(live[ERROR_RECOVERY].recoveries).toEqual({
      started: status.counts['recoveriesStarted'],
      succeeded: status.counts['recoveriesSucceeded'],
      failed: status.counts['recoveriesFailed'],
    });
    expect(live[ERROR_RECOVERY].successRate).toBe(1);
    expect(live[ERROR_RECOVERY].faultsByKind).toMatchObject({ crash: 1, hang: 0, stall: 0 });
    for (const name of Object.values(POOL_BREAKERS)) expect(live[ERROR_RECOVERY].breakers[name]?.state).toBe(status.breakers[name]);
    expect(live[ERROR_RECOVERY].breakers[POOL_BREAKERS.spawn]?.successes).toBeGreaterThanOrEqual(2);

    (await pool.terminate(a, 'done'))._unsafeUnwrap();
    const ended = foldLog((await store.readAll())._unsafeUnwrap());
    expect(getSession(ended[SESSION_LIST], a)).toMatchObject({ state: 'terminated', endReason: 'done', endedAt: expect.any(Number) });
    expect(ended[POOL_STATUS].sessionsByState).toEqual(pool.status().sessions.byState);
    const page = listSessions(ended[SESSION_LIST], { limit: 10, states: ['ready', 'idle'] })._unsafeUnwrap();
    expect(page.items.map((s) => s.sessionId)).toEqual([b]);
    expect(listSessions(ended[SESSION_LIST], { limit: 10, participant: 'bob' })._unsafeUnwrap().items.map((s) => s.sessionId)).toEqual([a]);
    for (const state of Object.values(ended)) expect(state.skipped).toBe(0);

    await pool.close();
    const head = (await store.headPosition())._unsafeUnwrap();
    await until('the host to fold the whole log', () => host.position >= head);
    const all = foldLog((await store.readAll())._unsafeUnwrap());
    expect(host.state(SESSION_LIST)).toEqual(all[SESSION_LIST]);
    expect(host.state(POOL_STATUS)).toEqual(all[POOL_STATUS]);
    expect(host.state(ERROR_RECOVERY)).toEqual(all[ERROR_RECOVERY]);
    await host.close();
  });

  it('count a stall as the session machine does, whichever watchdog reported it', async () => {
    const { pool, store } = await openTestPool({ 'agent.stall_timeout': '1s' });
    const { sessionId } = (await pool.create(request('ada')))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready');
    (await pool.send(sessionId, { userId: 'ada', text: '::stall' }))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready', (s) => s.context.failures.stalls === 1);
    await until('the recovery to be reported', () => pool.status().counts['recoveriesSucceeded'] === 1);
    const { context } = (await pool.snapshot(sessionId))._unsafeUnwrap();
    const folded = foldLog((await store.readAll())._unsafeUnwrap());
    const { crashes, hangs, stalls, garbage, exits } = context.failures;
    expect(folded[ERROR_RECOVERY].faultsByKind).toEqual({ crash: crashes, hang: hangs, stall: stalls, garbage, exit: exits });
    await expectSummaryMatches(pool, store, getSession(folded[SESSION_LIST], sessionId));
  });

  it('a host started after the run rebuilds the same state from position 0', async () => {
    const { pool, store } = await openTestPool();
    const { sessionId } = (await pool.create(request('ada')))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready');
    (await pool.send(sessionId, { userId: 'ada', text: 'hi' }))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'idle');
    await pool.close();
    const host = createProjectionHost(store, { projections });
    const head = (await host.start())._unsafeUnwrap();
    expect(head).toBe((await store.headPosition())._unsafeUnwrap());
    const all = foldLog((await store.readAll())._unsafeUnwrap());
    expect(host.state(SESSION_LIST)).toEqual(all[SESSION_LIST]);
    expect(getSession(host.state(SESSION_LIST), sessionId)).toMatchObject({ state: 'hibernated', turns: 1 });
    await host.close();
  });
});
