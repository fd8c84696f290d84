import { errAsync, okAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { ev, testSessionInput } from '../../machines/testing/session-fixtures.js';
import { createReplayCommand, type ReplayCommandIo } from '../../src/cli/replay-command.js';
import { createActorHost, SESSION_ACTOR } from '../../src/runtime/index.js';
import { invalidStoreUrl, type EventStore } from '../../src/store/index.js';
import { effectsLog } from './support/effects-log.js';
import { gatedStore } from './support/gated-store.js';
import { manualTime } from './support/manual-time.js';

interface Captured extends ReplayCommandIo {
  readonly out: string[];
  readonly err: string[];
  exitCode: number | undefined;
}

const capture = (): Captured => {
  const captured: Captured = {
    out: [],
    err: [],
    exitCode: undefined,
    stdout: (text) => void captured.out.push(...text.split('\n').filter((line) => line !== '')),
    stderr: (text) => void captured.err.push(text),
    setExitCode: (code) => {
      captured.exitCode = code;
    },
  };
  return captured;
};

/** A memory store (whose `close` does nothing) holding one recorded session: provisioned, spawned, ready, a turn, output. */
async function recordedSession(): Promise<EventStore> {
  const { store } = gatedStore();
  const time = manualTime(0);
  const host = createActorHost({ store, clock: time.clock, timers: time.timers });
  const actor = (await host.actors(SESSION_ACTOR, effectsLog().effects).create(testSessionInput))._unsafeUnwrap();
  for (const event of [ev.spawned(10, 4242), ev.ready(20), ev.msg(30, 't1'), ev.output(40, 't1')]) (await actor.send(event))._unsafeUnwrap();
  await host.close();
  return store;
}

const run = async (store: EventStore, args: string[]): Promise<Captured> => {
  const io = capture();
  await createReplayCommand(() => okAsync(store), io).parseAsync(args, { from: 'user' });
  return io;
};

describe('aicli-api replay', () => {
  it('prints one block per event: header with the transition, then the context changes', async () => {
    const io = await run(await recordedSession(), ['session-sess-1']);
    expect(io.exitCode).toBeUndefined();
    const headers = io.out.filter((line) => line.startsWith('#'));
    expect(headers).toEqual([
      '#0 SessionProvisioned  (new) → provisioning  at 1970-01-01T00:00:00.000Z',
      '#1 AgentSpawned  provisioning → starting  at 1970-01-01T00:00:00.010Z',
      '#2 AgentInitialized  starting → ready  at 1970-01-01T00:00:00.020Z',
      '#3 MessageAccepted  ready → busy  at 1970-01-01T00:00:00.030Z',
      '#4 AgentOutputReceived  busy → busy  at 1970-01-01T00:00:00.040Z',
    ]);
    const block = (header: string) => {
      const start = io.out.findIndex((line) => line.startsWith(header));
      const end = io.out.findIndex((line, index) => index > start && line.startsWith('#'));
      return io.out.slice(start + 1, end < 0 ? undefined : end);
    };
    expect(block('#0')).toContain('    + sessionId: "sess-1"');
    expect(block('#1')).toEqual(['    ~ agent.pid: null → 4242']);
    expect(block('#2')).toEqual([
      '    ~ claudeSessionId: null → "claude-1"',
      '    ~ agent.model: null → "sonnet"',
      '    ~ agent.tools: [] → ["Read"]',
      '    ~ lastActivityAt: 0 → 20',
      '    ~ deadline.name: "startTimeout" → "idleTimeout"',
      '    ~ deadline.at: 1000 → 60020',
    ]);
    expect(block('#4')).toEqual([
      '    ~ currentTurn.stallAt: 3030 → 3040',
      '    ~ lastActivityAt: 30 → 40',
      '    ~ deadline.at: 3030 → 3040',
    ]);
  });

  it('prints JSON lines with --json, revisions as strings', async () => {
    const io = await run(await recordedSession(), ['session-sess-1', '--json']);
    const lines = io.out.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(5);
    expect(lines[1]).toEqual({
      stream: 'session-sess-1',
      revision: '1',
      eventId: expect.any(String) as unknown,
      type: 'AgentSpawned',
      at: 10,
      from: 'provisioning',
      to: 'starting',
      accepted: true,
      changes: [{ op: 'changed', path: 'agent.pid', before: null, after: 4242 }],
    });
  });

  it('prints the state and context as of a revision with --at, as YAML or JSON', async () => {
    const store = await recordedSession();
    const yaml = (await run(store, ['session-sess-1', '--at', '2'])).out;
    expect(yaml.slice(0, 5)).toEqual(['stream: session-sess-1', 'machine: session', 'revision: 2', 'state: ready', 'status: active']);
    expect(yaml).toContain('  claudeSessionId: claude-1');
    expect(yaml).toContain('  currentTurn: null');
    const json = JSON.parse((await run(store, ['session-sess-1', '--at', '3', '--json'])).out[0] ?? '') as Record<string, unknown>;
    expect(json).toMatchObject({ stream: 'session-sess-1', revision: '3', value: 'busy', status: 'active' });
    expect((json['context'] as { currentTurn: { turnId: string } }).currentTurn.turnId).toBe('t1');
  });

  it('fails clearly, with a non-zero exit code, for a missing stream, a non-actor stream or a revision past the end', async () => {
    const store = await recordedSession();
    const missing = await run(store, ['session-nope']);
    expect(missing.err).toEqual(['error: stream session-nope not found\n']);
    expect(missing.exitCode).toBe(1);
    const foreign = await run(store, ['audit-2025-01-01']);
    expect(foreign.err[0]).toMatch(/^error: stream audit-2025-01-01 is not an actor stream \(expected a name starting with session-…, breaker-… or pool-…\)/);
    expect(foreign.exitCode).toBe(2);
    const late = await run(store, ['session-sess-1', '--at', '9']);
    expect(late.err).toEqual(['error: stream session-sess-1 has no revision 9 (last is 4)\n']);
    expect(late.exitCode).toBe(1);
    expect(late.out).toEqual([]);
  });

  it('reports a store that cannot be opened, and rejects a malformed --at', async () => {
    const io = capture();
    await createReplayCommand(() => errAsync(invalidStoreUrl('nope:', 'unknown scheme')), io).parseAsync(['session-1'], { from: 'user' });
    expect(io.err[0]).toMatch(/^error: invalid store URL "nope:"/);
    expect(io.exitCode).toBe(1);
    const command = createReplayCommand(() => okAsync(undefined as never), capture()).exitOverride().configureOutput({ writeErr: () => undefined });
    await expect(command.parseAsync(['session-1', '--at', '-1'], { from: 'user' })).rejects.toThrow(/non-negative integer/);
  });
});
