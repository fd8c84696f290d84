import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { POOL_PERSISTED_NAME as P } from '../../machines/index.js';
import { readStat } from '../../src/agent/process-group.js';
import { openTestPool, request, streamEvents, until, waitForState } from './support.js';

describe('session pool: leak detection', () => {
  it('kills child processes it does not own, keeps its own, and records what it found', async () => {
    const { pool, store } = await openTestPool({ advanced_features: true, 'performance.goroutine_manager.leak_detection': true });
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready');
    const stray = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const exited = once(stray, 'exit');
    await until('the stray child to run', () => readStat(stray.pid!) !== undefined);

    const report = pool.maintenance.checkLeaks();
    expect(report.untrackedProcesses).toEqual([stray.pid]);
    expect(report.missingProcesses).toEqual([]);
    expect(report.strayActors).toEqual([]);
    expect((await exited)[1]).toBe('SIGKILL');
    expect(pool.ownedPids()).toHaveLength(1);
    await until('the finding to be recorded', async () => (await streamEvents(store, 'pool-main')).some((event) => event.type === P.LEAK_DETECTED));
    const leak = (await streamEvents(store, 'pool-main')).find((event) => event.type === P.LEAK_DETECTED);
    expect(leak?.data).toMatchObject({ resource: 'process', expected: 1, actual: 2, repaired: true });
    expect(pool.status().counts['leaks']).toBe(1);

    expect(pool.maintenance.checkLeaks()).toEqual({ untrackedProcesses: [], missingProcesses: [], strayActors: [] });
  });
});
