import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errAsync } from 'neverthrow';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventsCommand, type EventsCommandIo } from '../../src/cli/events-command.js';
import { invalidStoreUrl, openStore, type EventStore } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'aicli-events-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Captured extends EventsCommandIo {
  out: string[];
  err: string[];
  exitCode: number | undefined;
  interrupt: () => void;
  /** Resolves when `tail` has subscribed (it registers its interrupt handler right after). */
  subscribed: Promise<void>;
  /** Resolves once stdout has received at least `count` lines. */
  lines(count: number): Promise<void>;
}

function capture(): Captured {
  let interruptHandler: (() => void) | undefined;
  let markSubscribed!: () => void;
  const subscribed = new Promise<void>((resolve) => {
    markSubscribed = resolve;
  });
  const waiters: { count: number; resolve: () => void }[] = [];
  const captured: Captured = {
    out: [],
    err: [],
    exitCode: undefined,
    stdout: (text) => {
      captured.out.push(...text.split('\n').filter((line) => line !== ''));
      for (const waiter of waiters) if (captured.out.length >= waiter.count) waiter.resolve();
    },
    stderr: (text) => void captured.err.push(text),
    setExitCode: (code) => {
      captured.exitCode = code;
    },
    subscribed,
    onInterrupt: (handler) => {
      interruptHandler = handler;
      markSubscribed();
      return () => {
        interruptHandler = undefined;
      };
    },
    interrupt: () => interruptHandler?.(),
    lines: (count) =>
      new Promise<void>((resolve) => {
        if (captured.out.length >= count) resolve();
        else waiters.push({ count, resolve });
      }),
  };
  return captured;
}

describe('aicli-api events', () => {
  let url: string;
  let writer: EventStore;
  let file = 0;

  beforeEach(async () => {
    url = `sqlite:${join(dir, `cli-${file++}.db`)}`;
    writer = (await openStore(url))._unsafeUnwrap();
    await writer.append('session-1', [{ type: 'SessionStarted', data: { model: 'x' } }, { type: 'MessageAccepted', data: { text: 'hi' } }], {
      expectedRevision: 'no_stream',
    });
    await writer.append('breaker-api', [{ type: 'BreakerOpened', data: { failures: 3 } }], { expectedRevision: 'no_stream' });
  });
  afterEach(async () => writer.close());

  const run = async (args: string[], io = capture()) => {
    await createEventsCommand(() => openStore(url, { pollIntervalMs: 5 }), io).parseAsync(args, { from: 'user' });
    return io;
  };

  it('`streams` lists streams with their last revision, optionally by prefix and as JSON', async () => {
    expect((await run(['streams'])).out).toEqual(['breaker-api@0', 'session-1@1']);
    expect((await run(['streams', '--prefix', 'session-'])).out).toEqual(['session-1@1']);
    const json = await run(['streams', '--json']);
    expect(json.out.map((line) => JSON.parse(line) as unknown)).toEqual([
      { stream: 'breaker-api', revision: '0' },
      { stream: 'session-1', revision: '1' },
    ]);
    expect(json.exitCode).toBeUndefined();
  });

  it('`read` prints one readable line per event, from a revision', async () => {
    const io = await run(['read', 'session-1']);
    expect(io.out).toHaveLength(2);
    expect(io.out[0]).toMatch(/^1 {2}session-1@0 {2}SessionStarted {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}\{"model":"x"\}$/);
    expect(io.out[1]).toMatch(/^2 {2}session-1@1 {2}MessageAccepted .*\{"text":"hi"\}$/);
    expect((await run(['read', 'session-1', '--from', '1'])).out).toHaveLength(1);
    expect((await run(['read', 'session-1', '--max', '1'])).out[0]).toContain('SessionStarted');
  });

  it('`read --json` prints JSON lines with bigints as strings', async () => {
    const io = await run(['read', 'session-1', '--json']);
    const first = JSON.parse(io.out[0] as string) as Record<string, unknown>;
    expect(first).toMatchObject({ position: '1', stream: 'session-1', revision: '0', type: 'SessionStarted', data: { model: 'x' }, metadata: {} });
    expect(typeof first['id']).toBe('string');
    expect(new Date(first['recordedAt'] as string).getTime()).toBeGreaterThan(0);
  });

  it('reports a missing stream as `error: …` on stderr with exit code 1', async () => {
    const io = await run(['read', 'session-404']);
    expect(io.out).toEqual([]);
    expect(io.err).toEqual(['error: stream session-404 not found\n']);
    expect(io.exitCode).toBe(1);
  });

  it('reports a store that cannot be opened', async () => {
    const io = capture();
    await createEventsCommand(() => errAsync(invalidStoreUrl('nope:', 'unknown scheme "nope:"')), io).parseAsync(['streams'], { from: 'user' });
    expect(io.err[0]).toMatch(/^error: invalid store URL "nope:": unknown scheme/);
    expect(io.exitCode).toBe(1);
  });

  it('rejects a malformed --from', async () => {
    const io = capture();
    const command = createEventsCommand(() => openStore(url), io);
    for (const sub of command.commands) sub.exitOverride().configureOutput({ writeErr: io.stderr, writeOut: io.stdout });
    await expect(command.parseAsync(['read', 'session-1', '--from', '-1'], { from: 'user' })).rejects.toThrow(/non-negative integer/);
  });

  it('`tail` follows new events written by another connection until interrupted', async () => {
    const io = capture();
    const tailing = run(['tail', '--prefix', 'session-', '--json'], io);
    await io.subscribed;
    await writer.append('breaker-api', [{ type: 'BreakerClosed', data: {} }], { expectedRevision: 0n });
    await writer.append('session-1', [{ type: 'TurnCompleted', data: { n: 1 } }], { expectedRevision: 1n });
    await writer.append('session-2', [{ type: 'SessionStarted', data: {} }], { expectedRevision: 'no_stream' });
    await io.lines(2);
    io.interrupt();
    await tailing;
    expect(io.out.map((line) => (JSON.parse(line) as { stream: string; type: string }).type)).toEqual(['TurnCompleted', 'SessionStarted']);
    expect(io.exitCode).toBeUndefined();
  });

  it('`tail --from` replays from a position, then follows', async () => {
    const io = capture();
    const tailing = run(['tail', '--from', '1'], io);
    await io.lines(2);
    io.interrupt();
    await tailing;
    expect(io.out.map((line) => line.split('  ')[1])).toEqual(['session-1@1', 'breaker-api@0']);
  });
});
