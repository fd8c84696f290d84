/**
 * A session pool over the memory store and the fake claude, for integration tests: real child processes, a
 * per-test temporary directory, maintenance driven by hand. `afterEach` closes every pool and checks from the
 * OS that no child process of the test is left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';
import type { SnapshotFrom } from 'xstate';
import type { sessionMachine } from '../../machines/index.js';
import { createAgentRunner, PidRegistry } from '../../src/agent/index.js';
import { DEFAULT_AGENT_OPTIONS, poolSettings, SessionPool, type PoolNotice, type SessionPoolDeps, type SessionRequest } from '../../src/pool/index.js';
import { openStore, type EventStore } from '../../src/store/index.js';
import { FAKE_CLAUDE, leftoverProcesses } from '../agent/support.js';
import { testConfig } from '../support/config.js';

/** A pool under test and what it runs on. */
export interface TestPool {
  readonly pool: SessionPool;
  readonly store: EventStore;
  readonly root: string;
  /** The environment every agent starts with; change it to inject faults (`FAKE_CLAUDE_FAULT`). */
  readonly env: Record<string, string | undefined>;
  /** Opens a second pool on the same store and directories (a restarted server). */
  reopen(overrides?: Record<string, string | number | boolean>): Promise<SessionPool>;
}

const pools: SessionPool[] = [];
const roots: string[] = [];
const stores: EventStore[] = [];

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
  await Promise.all(stores.splice(0).map((store) => store.close()));
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  expect(leftoverProcesses([])).toEqual([]);
});

/** Small timeouts for the fake claude; any config key can be overridden. */
/** The pool-runner fixture: a pool in its own process, for tests that kill "the server" outright. */
export const POOL_RUNNER = fileURLToPath(new URL('../fixtures/pool-runner.ts', import.meta.url));

export const POOL_TEST_CONFIG: Record<string, string | number | boolean> = {
  'agent.start_timeout': '3s',
  'agent.turn_timeout': '5s',
  'agent.stall_timeout': '1s',
  'agent.kill_grace': '200ms',
  'agent.interrupt_grace': '1s',
  'error_recovery.recovery_timeout': '5s',
  'error_recovery.retry.spawn_failure.base_delay': '10ms',
  'error_recovery.retry.timeout.base_delay': '10ms',
  'error_recovery.retry.crash.base_delay': '10ms',
  'error_recovery.retry.crash.max_delay': '50ms',
  'error_recovery.retry.spawn_failure.max_delay': '50ms',
  'error_recovery.retry.timeout.max_delay': '50ms',
  'session_pool.min_size': 0,
  'session_pool.max_size': 4,
};

/** Opens a pool with `overrides` over {@link POOL_TEST_CONFIG}. */
export async function openTestPool(
  overrides: Record<string, string | number | boolean> = {},
  extra: Partial<SessionPoolDeps> = {},
  where: { readonly root?: string; readonly storeUrl?: string } = {},
): Promise<TestPool> {
  const root = where.root ?? mkdtempSync(join(tmpdir(), 'aicli-pool-'));
  roots.push(root);
  const store = (await openStore(where.storeUrl ?? 'memory:'))._unsafeUnwrap();
  stores.push(store);
  const env: Record<string, string | undefined> = { ...process.env };
  const open = async (more: Record<string, string | number | boolean>): Promise<SessionPool> => {
    const config = testConfig({ 'agent.command': FAKE_CLAUDE, ...POOL_TEST_CONFIG, ...overrides, ...more });
    const registry = PidRegistry.open(join(root, 'state'))._unsafeUnwrap();
    const launcher = createAgentRunner({ agent: config.agent, tenantsRoot: join(root, 'tenants'), registry, baseEnv: env });
    const pool = (await SessionPool.open({ store, launcher, settings: poolSettings(config), autoMaintenance: false, ...extra }))._unsafeUnwrap();
    pools.push(pool);
    return pool;
  };
  const pool = await open({});
  return { pool, store, root, env, reopen: open };
}

/** A request of `userId` in tenant `acme` with default options. */
export function request(userId = 'ada', extra: Partial<SessionRequest> = {}): SessionRequest {
  return { tenant: 'acme', userId, options: { ...DEFAULT_AGENT_OPTIONS }, limits: {}, metadata: {}, ...extra };
}

type Snapshot = SnapshotFrom<typeof sessionMachine>;

/** Waits until the session is in `state` (and `extra` holds). */
export async function waitForState(pool: SessionPool, sessionId: string, state: string, extra: (snapshot: Snapshot) => boolean = () => true, timeoutMs = 8_000): Promise<Snapshot> {
  const result = await pool.waitFor(sessionId, (snapshot) => snapshot.value === state && extra(snapshot), timeoutMs);
  if (result.isErr()) {
    const now = await pool.snapshot(sessionId);
    throw new Error(`session ${sessionId} never reached ${state}; it is ${now.isOk() ? String(now.value.value) : 'gone'}`);
  }
  return result.value;
}

/** The persisted event types of a session's stream. */
export async function streamTypes(store: EventStore, sessionId: string): Promise<string[]> {
  return (await store.readStream(`session-${sessionId}`))._unsafeUnwrap().map((event) => event.type);
}

/** A persisted event of any stream, as the tests read it. */
export interface StoredEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** The persisted events of stream `stream` (`pool-main`, `breaker-agent-spawn`, `session-<id>`, …); none when it does not exist. */
export async function streamEvents(store: EventStore, stream: string): Promise<StoredEvent[]> {
  const read = await store.readStream(stream);
  if (read.isErr()) return [];
  return read.value.map((event) => ({ type: event.type, data: event.data as Record<string, unknown> }));
}

/** Collects the pool's bridge notices (not session commits) from now on, into the returned array. */
export function collectNotices(pool: SessionPool): Exclude<PoolNotice, { kind: 'commit' }>[] {
  const notices: Exclude<PoolNotice, { kind: 'commit' }>[] = [];
  pool.subscribe((notice) => {
    if (notice.kind !== 'commit') notices.push(notice);
  });
  return notices;
}

/** Polls `condition` (sync or async) every 20 ms until it holds; fails with `what` after `timeoutMs`. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Records, from now on, each state the session's commits move it into (repeats collapsed), into the returned array. */
export function stateTrail(pool: SessionPool, sessionId: string): string[] {
  const trail: string[] = [];
  pool.subscribe((notice) => {
    if (notice.kind !== 'commit' || notice.sessionId !== sessionId) return;
    const state = String(notice.commit.snapshot.value);
    if (trail.at(-1) !== state) trail.push(state);
  });
  return trail;
}
