import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { POOL_PERSISTED_NAME as P, SESSION_PERSISTED_NAME as S } from '../../machines/index.js';
import { STREAM_PREFIX } from '../../src/runtime/index.js';
import type { EventStore } from '../../src/store/index.js';
import type { SessionPool } from '../../src/pool/index.js';
import { leftoverProcesses } from '../agent/support.js';
import { turnEndingProblems } from '../support/turn-ends.js';
import { readStat } from '../../src/agent/process-group.js';
import { openTestPool, POOL_RUNNER, request, stateTrail, streamEvents, until, waitForState, type StoredEvent } from './support.js';

const sessionStream = (sessionId: string): string => `${STREAM_PREFIX.session}${sessionId}`;

/** The outcomes of the `RecoveryReported` events of `sessionId` in the pool stream, in order. */
async function recoveryOutcomes(store: EventStore, sessionId: string): Promise<unknown[]> {
  return (await streamEvents(store, `${STREAM_PREFIX.pool}main`))
    .filter((event) => event.type === P.RECOVERY_REPORTED && event.data.sessionId === sessionId)
    .map((event) => event.data.outcome);
}

/** Sends `text` as `userId` and waits until the turn completed; resolves with the stored `TurnCompleted`. */
async function answered(pool: SessionPool, store: EventStore, sessionId: string, userId: string, text: string): Promise<StoredEvent | undefined> {
  const { turnId } = (await pool.send(sessionId, { userId, text }))._unsafeUnwrap();
  await waitForState(pool, sessionId, 'idle', (s) => s.context.currentTurn === null && s.context.queuedMessages.length === 0);
  return (await streamEvents(store, sessionStream(sessionId))).find((event) => event.type === S.TURN_COMPLETED && event.data.turnId === turnId);
}

/** Whether `pid` is a running process (a zombie waiting for a parent that will not reap it counts as gone). */
const alive = (pid: number): boolean => {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
};

describe('session pool: restarts', () => {
  it('after a crashed server, the next one reaps its orphans, hibernates idle sessions and recovers busy ones', async () => {
    // "The server" is a pool in a child process; it is killed with SIGKILL, leaving its agents orphaned.
    const root = mkdtempSync(join(tmpdir(), 'aicli-restart-'));
    const runner = spawn(process.execPath, ['--import', 'tsx', POOL_RUNNER, root], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: runner.stdout! }), 'line')) as [string];
    const { idle, busy, slowTurn, pids } = JSON.parse(line) as { idle: string; busy: string; slowTurn: string; pids: number[] };
    expect(pids).toHaveLength(2);
    runner.kill('SIGKILL');
    await once(runner, 'close');
    // (An agent may exit by itself when its stdin closes with the runner; the busy one is mid-turn.)

    const { pool: second, store } = await openTestPool({}, {}, { root, storeUrl: `sqlite:${join(root, 'events.db')}` });
    // The orphans were reaped from the PID registry before anything else.
    expect(pids.filter(alive)).toEqual([]);

    const hibernated = (await second.snapshot(idle))._unsafeUnwrap();
    expect(hibernated.value).toBe('hibernated');
    const idleEvents = await streamEvents(store, sessionStream(idle));
    expect(idleEvents.at(-1)).toMatchObject({ type: S.HIBERNATE, data: { reason: 'restart' } });
    expect(idleEvents.map((event) => event.type)).not.toContain(S.AGENT_FAULT);

    const recovered = await waitForState(second, busy, 'ready', (s) => s.context.failures.crashes === 1);
    expect(recovered.context.lastFault).toMatchObject({ kind: 'crash', detail: expect.stringContaining('restarted') });
    expect(recovered.context.currentTurn).toBeNull();
    const busyEvents = await streamEvents(store, sessionStream(busy));
    expect(busyEvents.map((event) => event.type)).toEqual(expect.arrayContaining([S.AGENT_FAULT, S.RECOVERY_SUCCEEDED]));
    expect(busyEvents.some((event) => event.type === S.TURN_COMPLETED && event.data.turnId === slowTurn)).toBe(false);
    // The turn the killed server was running ends with the fault that recovery records, in the same append.
    const faulted = busyEvents.findIndex((event) => event.type === S.AGENT_FAULT);
    expect(busyEvents[faulted + 1]).toMatchObject({ type: 'TurnAborted', data: { turnId: slowTurn, reason: 'agent-fault' } });
    expect(turnEndingProblems(busyEvents)).toEqual([]);
    expect(turnEndingProblems(idleEvents)).toEqual([]);
    await until('the recovery to be reported', async () => (await recoveryOutcomes(store, busy)).length === 2);
    expect(await recoveryOutcomes(store, busy)).toEqual(['started', 'succeeded']);
    expect(await recoveryOutcomes(store, idle)).toEqual([]);

    // A message wakes the hibernated session: its conversation resumes where it was.
    const trail = stateTrail(second, idle);
    const history = await answered(second, store, idle, 'ada', '::history');
    expect(history?.data).toMatchObject({ isError: false, result: 'history: remember me | ::history' });
    // `ready` sends the queued message in the same step, so no commit rests there: AGENT_READY lands in `busy`.
    expect(trail).toEqual(['resuming', 'busy', 'idle']);
    const next = await answered(second, store, busy, 'bob', '::history');
    expect(next?.data).toMatchObject({ isError: false, result: expect.stringContaining('first') });
    expect(second.ownedPids()).toHaveLength(2);
  });

  it('a clean close hibernates idle and busy sessions and leaves no process; the next pool recovers nothing and resumes them on a message', async () => {
    const { pool: first, store, reopen } = await openTestPool({ 'agent.stall_timeout': '20s', 'agent.turn_timeout': '20s' });
    const { sessionId } = (await first.create(request('ada')))._unsafeUnwrap();
    const { sessionId: busy } = (await first.create(request('bob')))._unsafeUnwrap();
    await waitForState(first, sessionId, 'ready');
    await waitForState(first, busy, 'ready');
    await answered(first, store, sessionId, 'ada', 'remember me');
    const slow = (await first.send(busy, { userId: 'bob', text: '::slow 5000' }))._unsafeUnwrap().turnId;
    await waitForState(first, busy, 'busy');
    const queued = (await first.send(busy, { userId: 'bob', text: 'behind it' }))._unsafeUnwrap().turnId;
    expect(first.ownedPids()).toHaveLength(2);

    await first.close();
    const busyEvents = await streamEvents(store, sessionStream(busy));
    expect(busyEvents.slice(-3)).toMatchObject([
      { type: S.HIBERNATE, data: { reason: 'shutdown' } },
      { type: 'TurnAborted', data: { turnId: slow, reason: 'shutdown' } },
      { type: 'TurnAborted', data: { turnId: queued, reason: 'shutdown' } },
    ]);
    expect(turnEndingProblems(busyEvents)).toEqual([]);
    expect(first.ownedPids()).toEqual([]);
    expect(leftoverProcesses([])).toEqual([]);
    const events = await streamEvents(store, sessionStream(sessionId));
    expect(events.at(-1)).toMatchObject({ type: S.HIBERNATE, data: { reason: 'shutdown' } });
    expect((await first.send(sessionId, { userId: 'ada', text: 'late' }))._unsafeUnwrapErr()).toMatchObject({ kind: 'PoolClosed' });

    const second = await reopen();
    expect((await second.snapshot(sessionId))._unsafeUnwrap().value).toBe('hibernated');
    expect((await second.snapshot(busy))._unsafeUnwrap().value).toBe('hibernated');
    expect(second.ownedPids()).toEqual([]);
    const history = await answered(second, store, sessionId, 'ada', '::history');
    expect(history?.data).toMatchObject({ isError: false, result: 'history: remember me | ::history' });
    expect(await recoveryOutcomes(store, sessionId)).toEqual([]);
    const resumed = await answered(second, store, busy, 'bob', 'are you back?');
    expect(resumed?.data).toMatchObject({ isError: false, result: 'echo: are you back?' });
    expect(await recoveryOutcomes(store, busy)).toEqual([]);
  });
});
