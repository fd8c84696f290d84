import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ev, testSessionInput } from '../../machines/testing/session-fixtures.js';
import { createActorHost, SESSION_ACTOR } from '../../src/runtime/index.js';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../support/server-process.js';
import { effectsLog } from './support/effects-log.js';
import { manualTime } from './support/manual-time.js';

const dir = mkdtempSync(join(tmpdir(), 'aicli-replay-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aicli-api replay (the real command line, SQLite store)', () => {
  it('replays a session recorded by the actor host, in full and as of a revision', async () => {
    const url = `sqlite:${join(dir, 'events.db')}`;
    const store = (await openStore(url))._unsafeUnwrap();
    const time = manualTime(0);
    const host = createActorHost({ store, clock: time.clock, timers: time.timers });
    const actor = (await host.actors(SESSION_ACTOR, effectsLog().effects).create(testSessionInput))._unsafeUnwrap();
    for (const event of [ev.spawned(10, 4242), ev.ready(20), ev.msg(30, 't1')]) (await actor.send(event))._unsafeUnwrap();
    await host.close();
    await store.close();

    const full = runCli(['replay', 'session-sess-1', '--store', url]);
    expect(await full.exited).toBe(0);
    expect(full.output().stdout.split('\n').filter((line) => line.startsWith('#'))).toEqual([
      '#0 SessionProvisioned  (new) → provisioning  at 1970-01-01T00:00:00.000Z',
      '#1 AgentSpawned  provisioning → starting  at 1970-01-01T00:00:00.010Z',
      '#2 AgentInitialized  starting → ready  at 1970-01-01T00:00:00.020Z',
      '#3 MessageAccepted  ready → busy  at 1970-01-01T00:00:00.030Z',
    ]);

    const at = runCli(['replay', 'session-sess-1', '--at', '1', '--json', '--store', url]);
    expect(await at.exited).toBe(0);
    expect(JSON.parse(at.output().stdout)).toMatchObject({ stream: 'session-sess-1', revision: '1', value: 'starting', status: 'active' });

    const missing = runCli(['replay', 'session-nope', '--store', url]);
    expect(await missing.exited).toBe(1);
    const notActor = runCli(['replay', 'audit-2026-11-25', '--store', url]);
    expect(await notActor.exited).toBe(2);
  });
});
