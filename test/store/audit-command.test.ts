/**
 * `aicli-api audit tail` over a real SQLite file written by another connection: prints the audit events since a
 * time (filtered by actor and action, text or JSON), and with `--follow` keeps printing new matching ones until
 * interrupted; other streams never show.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_ACTION, auditStreamOf, type AuditEventData } from '../../machines/index.js';
import { createAuditCommand, formatAuditLine } from '../../src/cli/audit-command.js';
import type { EventsCommandIo } from '../../src/cli/events-command.js';
import { openStore, type EventStore } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'aicli-audit-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.UTC(2026, 11, 4, 12);
const MINUTE = 60_000;

const audited = (at: number, userId: string | null, action: AuditEventData['action'], extra: Partial<AuditEventData> = {}): AuditEventData => ({
  action,
  outcome: 'allowed',
  reason: null,
  detail: null,
  actor: { userId, tenant: userId === null ? null : 'acme', role: userId === null ? null : 'user', via: null, keyId: null, address: '10.0.0.1' },
  target: { sessionId: 's1' },
  requestId: 'r1',
  at,
  count: 1,
  ...extra,
});

function capture() {
  let interruptHandler: (() => void) | undefined;
  let markSubscribed!: () => void;
  const subscribed = new Promise<void>((resolve) => (markSubscribed = resolve));
  const waiters: { count: number; resolve: () => void }[] = [];
  const io = {
    out: [] as string[],
    err: [] as string[],
    exitCode: undefined as number | undefined,
    subscribed,
    stdout: (text: string) => {
      io.out.push(...text.split('\n').filter((line) => line !== ''));
      for (const waiter of waiters) if (io.out.length >= waiter.count) waiter.resolve();
    },
    stderr: (text: string) => void io.err.push(text),
    setExitCode: (code: number) => void (io.exitCode = code),
    onInterrupt: (handler: () => void) => {
      interruptHandler = handler;
      markSubscribed();
      return () => (interruptHandler = undefined);
    },
    interrupt: () => interruptHandler?.(),
    lines: (count: number) => new Promise<void>((resolve) => (io.out.length >= count ? resolve() : waiters.push({ count, resolve }))),
  } satisfies EventsCommandIo & Record<string, unknown>;
  return io;
}

describe('aicli-api audit tail', () => {
  let url: string;
  let writer: EventStore;
  let file = 0;
  const append = async (data: AuditEventData) => (await writer.append(auditStreamOf(data.at), [{ type: 'X', data: data as never }], { expectedRevision: 'any' }))._unsafeUnwrap();

  beforeEach(async () => {
    url = `sqlite:${join(dir, `audit-${file++}.db`)}`;
    writer = (await openStore(url))._unsafeUnwrap();
    await append(audited(NOW - 2 * 60 * MINUTE, 'old', AUDIT_ACTION.sessionCreated));
    await append(audited(NOW - 30 * MINUTE, 'ada', AUDIT_ACTION.sessionCreated));
    await append(audited(NOW - 20 * MINUTE, null, AUDIT_ACTION.authFailed, { outcome: 'denied', reason: 'unauthorized', count: 7, target: {}, requestId: null }));
    await writer.append('session-s1', [{ type: 'SessionProvisioned', data: {} }], { expectedRevision: 'any' });
  });
  afterEach(async () => writer.close());

  const run = async (args: string[], io = capture()) => {
    await createAuditCommand(() => openStore(url, { pollIntervalMs: 5 }), io, () => NOW).parseAsync(['tail', ...args], { from: 'user' });
    return io;
  };

  it('prints the last hour by default, readable, with the count of coalesced failures', async () => {
    const io = await run([]);
    expect(io.out).toEqual([
      '2026-12-04T11:30:00.000Z  session.created  allowed  ada@acme (user)  from 10.0.0.1  sessionId=s1  req r1',
      '2026-12-04T11:40:00.000Z  auth.failed  denied:unauthorized  -  from 10.0.0.1  ×7',
    ]);
    expect(io.exitCode).toBeUndefined();
  });

  it('filters by --since, --actor and --action, and prints JSON lines with --json', async () => {
    expect((await run(['--since', '3h'])).out).toHaveLength(3);
    expect((await run(['--since', '2026-12-04T00:00:00Z', '--actor', 'old'])).out).toHaveLength(1);
    const json = await run(['--action', 'auth.failed', '--json']);
    expect(json.out.map((line) => JSON.parse(line) as unknown)).toEqual([{ ...audited(NOW - 20 * MINUTE, null, AUDIT_ACTION.authFailed, { outcome: 'denied', reason: 'unauthorized', count: 7, target: {}, requestId: null }), stream: 'audit-2026-12-04', revision: 2, position: '3' }]);
  });

  it('--follow prints what was there, then new matching events until interrupted', async () => {
    const io = capture();
    const tailing = run(['--follow', '--actor', 'ada'], io);
    await io.subscribed;
    await append(audited(NOW + MINUTE, 'bob', AUDIT_ACTION.sessionCreated));
    await append(audited(NOW + 2 * MINUTE, 'ada', AUDIT_ACTION.sessionTerminated));
    await io.lines(2);
    io.interrupt();
    await tailing;
    expect(io.out.map((line) => line.split('  ')[1])).toEqual(['session.created', 'session.terminated']);
  });

  it('refuses a bad --since or --action', async () => {
    const io = capture();
    const command = createAuditCommand(() => openStore(url), io, () => NOW);
    for (const sub of command.commands) sub.exitOverride().configureOutput({ writeErr: io.stderr, writeOut: io.stdout });
    await expect(command.parseAsync(['tail', '--since', 'yesterday'], { from: 'user' })).rejects.toThrow(/ISO 8601/);
    await expect(command.parseAsync(['tail', '--action', 'session.exploded'], { from: 'user' })).rejects.toThrow(/must be one of/);
  });

  it('formats a line without a user, target or request id', () => {
    expect(formatAuditLine(audited(NOW, null, AUDIT_ACTION.authFailed, { target: {}, requestId: null }))).toBe('2026-12-04T12:00:00.000Z  auth.failed  allowed  -  from 10.0.0.1');
  });
});
