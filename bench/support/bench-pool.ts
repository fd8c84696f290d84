/**
 * Opening session pools for benchmarks: a validated config from defaults plus `--set`-style overrides (as the
 * tests build theirs), a durable SQLite store in a temporary directory, and either the fake claude as real child
 * processes or the in-process agent. Also the waits a benchmark needs (one pool listener, not one per session).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SessionStateValue } from '../../machines/index.js';
import { createAgentRunner, PidRegistry } from '../../src/agent/index.js';
import { loadConfig, type Config, type ConfigOverride } from '../../src/config/index.js';
import { DEFAULT_AGENT_OPTIONS, DEFAULT_TENANT, poolSettings, SessionPool, type AgentLauncher, type SessionRequest } from '../../src/pool/index.js';
import type { EventStore } from '../../src/store/index.js';
import { openConfiguredStore } from '../../src/cli/store-from-config.js';
import { loadStoreKeyring } from '../../src/cli/store-keyring.js';
import { IN_PROCESS_PROBES, InProcessLauncher } from './in-process-agent.js';

/** The fake claude the integration tests use. */
export const FAKE_CLAUDE = fileURLToPath(new URL('../../test/fixtures/fake-claude/fake-claude.mjs', import.meta.url));

/** Which agent a benchmark pool runs: real fake-claude child processes, or in-process stand-ins. */
export type BenchAgent = 'fake-claude' | 'in-process';

/** A pool under benchmark and how to dispose of it. */
export interface BenchPool {
  readonly pool: SessionPool;
  readonly store: EventStore;
  /** Agents started so far by the pool's launcher. */
  spawned(): number;
  /** Closes the pool and the store and removes the temporary directory. */
  close(): Promise<void>;
}

/** A config of the defaults with logging silenced and `overrides` applied (`{'session_pool.max_size': 8}`). */
export function benchConfig(overrides: Record<string, string | number | boolean>): Config {
  // Auth off (loopback): the benchmarks measure sessions and fan-out, with clients naming themselves.
  const all: Record<string, string | number | boolean> = { 'server.port': 0, 'logging.level': 'silent', 'auth.enabled': false, ...overrides };
  const list: ConfigOverride[] = Object.entries(all).map(([key, value]) => ({ path: key.split('.'), value, label: `bench ${key}` }));
  return loadConfig({ overrides: list })._unsafeUnwrap().config;
}

/** Counts the spawns of `launcher`. */
function counting(launcher: AgentLauncher): { launcher: AgentLauncher; spawned: () => number } {
  let spawned = 0;
  return {
    launcher: { spawn: (options) => ((spawned += 1), launcher.spawn(options)), reapOrphans: () => launcher.reapOrphans() },
    spawned: () => spawned,
  };
}

/** SQLite durability of benchmark stores: `full` unless `BENCH_DURABILITY=normal`. */
export const BENCH_DURABILITY = process.env['BENCH_DURABILITY'] === 'normal' ? 'normal' : 'full';

/** Encryption at rest of benchmark stores: on (the default, as the server runs) unless `BENCH_ENCRYPTION=off`. */
export const BENCH_ENCRYPTION = process.env['BENCH_ENCRYPTION'] !== 'off';

/**
 * Opens a pool over a SQLite store (durability {@link BENCH_DURABILITY}, encryption {@link BENCH_ENCRYPTION}, opened
 * as the server opens it) in a fresh temporary directory, maintenance off.
 */
export async function openBenchPool(agent: BenchAgent, overrides: Record<string, string | number | boolean>): Promise<BenchPool> {
  const root = mkdtempSync(join(tmpdir(), 'aicli-bench-pool-'));
  const config = benchConfig({
    'store.url': `sqlite:${join(root, 'events.db')}?durability=${BENCH_DURABILITY}`,
    'agent.command': FAKE_CLAUDE,
    'agent.data_dir': join(root, 'data'),
    'security.encryption.enabled': BENCH_ENCRYPTION,
    ...overrides,
  });
  const keys = loadStoreKeyring(config, {}, { generate: true })._unsafeUnwrap();
  const store = (await openConfiguredStore(config, keys.keyring))._unsafeUnwrap();
  const base: AgentLauncher =
    agent === 'in-process'
      ? new InProcessLauncher()
      : createAgentRunner({ agent: config.agent, tenantsRoot: join(root, 'tenants'), registry: PidRegistry.open(join(root, 'state'))._unsafeUnwrap(), baseEnv: process.env });
  const { launcher, spawned } = counting(base);
  const opened = await SessionPool.open({
    store,
    launcher,
    settings: poolSettings(config),
    autoMaintenance: false,
    ...(agent === 'in-process' ? { probes: IN_PROCESS_PROBES } : {}),
  });
  const pool = opened._unsafeUnwrap();
  return {
    pool,
    store,
    spawned,
    close: async () => {
      await pool.close();
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A session request of `userId` in the default tenant with default options: the profile the pool prewarms at start. */
export function benchRequest(userId: string): SessionRequest {
  return { tenant: DEFAULT_TENANT, userId, options: { ...DEFAULT_AGENT_OPTIONS }, limits: {}, metadata: {} };
}

/**
 * Resolves promises when sessions reach a state, from one pool listener (a `waitFor` per session would add a
 * listener per session, and every commit would visit them all). Register before the session can get there.
 */
export class StateWaiter {
  readonly #waiting = new Map<string, { readonly state: SessionStateValue; readonly resolve: () => void }>();
  readonly #unsubscribe: () => void;

  constructor(pool: SessionPool) {
    this.#unsubscribe = pool.subscribe((notice) => {
      if (notice.kind !== 'commit') return;
      const waiter = this.#waiting.get(notice.sessionId);
      if (waiter === undefined || notice.commit.snapshot.value !== waiter.state) return;
      this.#waiting.delete(notice.sessionId);
      waiter.resolve();
    });
  }

  /** Resolves when `sessionId` commits a snapshot in `state`. */
  until(sessionId: string, state: SessionStateValue): Promise<void> {
    return new Promise((resolve) => this.#waiting.set(sessionId, { state, resolve }));
  }

  /** Stops listening. */
  close(): void {
    this.#unsubscribe();
  }
}

/** Polls `condition` every `everyMs` until it holds; throws after `timeoutMs` with `what`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 60_000, everyMs = 10): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The `q` quantile (0–1) of `sorted` ascending values, nearest rank; NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}
