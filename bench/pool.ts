/**
 * Session pool benchmark. Two parts:
 * - create/destroy from a warm pool: `min_size` = `max_size` = 8 warm processes over a durable SQLite store, then
 *   for N seconds 8 concurrent loops of `create` → session `ready` (it got a warm process) → `terminate` (the
 *   process never took a turn, so it goes back to the warm set). Reports create/destroy pairs per second, p50/p99
 *   of create→ready, and processes spawned during the run; once with the fake claude as real child processes
 *   and once with the in-process agent (the pool's own ceiling).
 * - heap per session (in-process agent, SQLite store so events stay out of the JS heap): for 1,000 and 10,000
 *   sessions, `heapUsed` growth per resident session (actor loaded, agent attached) and per hibernated session
 *   (actor unloaded), against the targets of 50 KB and 5 KB.
 * Run with `npx tsx bench/pool.ts [seconds]`; without `--expose-gc` it re-executes itself with it.
 * `BENCH_POOL_AGENTS=in-process` and `BENCH_POOL_SIZES=1000` narrow a run (empty skips the part);
 * `BENCH_DURABILITY=normal` for synchronous=NORMAL.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { reportFigure } from './support/figures.js';
import { BENCH_DURABILITY, benchRequest, openBenchPool, quantile, StateWaiter, until, type BenchAgent } from './support/bench-pool.js';

const seconds = Number(process.argv[2] ?? '3');
const LOOPS = 8;
const WARM = 8;
const CREATE_TARGET_PER_SECOND = 1_000;
const RESIDENT_TARGET_KB = 50;
const HIBERNATED_TARGET_KB = 5;
const HEAP_SIZES = (process.env['BENCH_POOL_SIZES'] ?? '1000,10000').split(',').filter(Boolean).map(Number);
const AGENTS = (process.env['BENCH_POOL_AGENTS'] ?? 'fake-claude,in-process').split(',').filter(Boolean) as BenchAgent[];
/** How many creates or hibernations are in flight at once while filling the heap run. */
const FILL_CONCURRENCY = 64;

if (typeof globalThis.gc !== 'function') {
  const rerun = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(rerun.status ?? 1);
}
const gc = globalThis.gc as () => void;

async function createDestroyRun(agent: BenchAgent): Promise<void> {
  const bench = await openBenchPool(agent, { 'session_pool.min_size': WARM, 'session_pool.max_size': WARM });
  const { pool } = bench;
  try {
    await until(() => pool.status().processes.warm === WARM, `${WARM} warm processes`, 30_000);
    const spawnedBefore = bench.spawned();
    const waiter = new StateWaiter(pool);
    let reused = 0;
    const stopCounting = pool.subscribe((notice) => {
      if (notice.kind === 'processReused') reused += 1;
    });
    const latencies: number[] = [];
    let failures = 0;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const loop = async (worker: number): Promise<number> => {
      let pairs = 0;
      while (performance.now() < deadline) {
        const sessionId = randomUUID();
        const ready = waiter.until(sessionId, 'ready');
        const at = performance.now();
        const created = await pool.create(benchRequest(`user-${worker}`), { sessionId });
        if (created.isErr()) {
          failures += 1;
          continue;
        }
        await ready;
        latencies.push(performance.now() - at);
        const terminated = waiter.until(sessionId, 'terminated');
        if ((await pool.terminate(sessionId)).isErr()) failures += 1;
        await terminated;
        pairs += 1;
      }
      return pairs;
    };
    const counts = await Promise.all(Array.from({ length: LOOPS }, (_, worker) => loop(worker)));
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    waiter.close();
    stopCounting();
    const pairs = counts.reduce((a, b) => a + b, 0);
    const rate = pairs / elapsed;
    latencies.sort((a, b) => a - b);
    const verdict = agent === 'fake-claude' ? ` target ≥${CREATE_TARGET_PER_SECOND.toLocaleString('en-US')}: ${rate >= CREATE_TARGET_PER_SECOND ? 'PASS' : 'FAIL'}` : ' (pool ceiling)';
    console.log(
      `create/destroy ${agent.padEnd(11)} ${LOOPS} loops: ${Math.round(rate).toLocaleString('en-US').padStart(6)} pairs/s` +
        ` (${pairs} create+terminate pairs in ${elapsed.toFixed(1)}s, ${Math.round((cpu.user + cpu.system) / Math.max(1, pairs))} µs CPU/pair)${verdict}`,
    );
    if (agent === 'fake-claude') reportFigure({ id: 'pool.createDestroy', value: rate, detail: `create→ready p99 ${quantile(latencies, 0.99).toFixed(2)} ms; ${failures} failures` });
    console.log(
      `  create→ready p50 ${quantile(latencies, 0.5).toFixed(2)} ms, p99 ${quantile(latencies, 0.99).toFixed(2)} ms;` +
        ` processes spawned during the run: ${bench.spawned() - spawnedBefore}, reused: ${reused}; failures: ${failures}; warm at end: ${pool.status().processes.warm}, live ${pool.status().processes.live}, cap ${pool.status().cap}, target ${pool.status().target}`,
    );
  } finally {
    await bench.close();
  }
}

/** Runs `task` over `ids` with at most `concurrency` in flight. */
async function inBatches(ids: readonly string[], concurrency: number, task: (id: string) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) await task(ids[next++] as string);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function settledHeap(): number {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function heapRun(n: number): Promise<void> {
  const bench = await openBenchPool('in-process', {
    'session_pool.min_size': 0,
    'session_pool.max_size': Math.max(n, 1),
    'agent.max_processes': 0,
    'agent.memory_budget': '1024GiB',
    'agent.process_memory_estimate': '1MiB',
  });
  const { pool } = bench;
  try {
    const ids = Array.from({ length: n }, () => randomUUID());
    const baseline = settledHeap();
    const waiter = new StateWaiter(pool);
    const fillStarted = performance.now();
    await inBatches(ids, FILL_CONCURRENCY, async (sessionId) => {
      const ready = waiter.until(sessionId, 'ready');
      (await pool.create(benchRequest('owner'), { sessionId }))._unsafeUnwrap();
      await ready;
    });
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    await until(() => pool.status().processes.inUse === n, `${n} sessions with an agent`);
    const residentHeap = settledHeap();
    const residentCount = pool.status().sessions.resident;
    const resident = (residentHeap - baseline) / n / 1024;
    const sleepStarted = performance.now();
    await inBatches(ids, FILL_CONCURRENCY, async (sessionId) => {
      const hibernated = waiter.until(sessionId, 'hibernated');
      (await pool.hibernate(sessionId))._unsafeUnwrap();
      await hibernated;
    });
    await until(() => pool.status().sessions.resident === 0, 'hibernated actors to unload');
    const sleepSeconds = (performance.now() - sleepStarted) / 1000;
    waiter.close();
    const hibernatedHeap = settledHeap();
    const hibernatedCount = pool.status().sessions.hibernated;
    const hibernatedKb = (hibernatedHeap - baseline) / n / 1024;
    const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;
    const verdict = (kb: number, target: number): string => `${kb.toFixed(1).padStart(6)} KB/session (target ≤${target} KB: ${kb <= target ? 'PASS' : 'FAIL'})`;
    console.log(`heap ${n.toLocaleString('en-US').padStart(6)} sessions: resident   ${verdict(resident, RESIDENT_TARGET_KB)}, ${residentCount} actors resident, heap ${mb(baseline)} → ${mb(residentHeap)}, created in ${fillSeconds.toFixed(1)}s`);
    // The table keeps the last (largest) run's figures: HEAP_SIZES ascend by default.
    reportFigure({ id: 'pool.concurrent', value: residentCount, detail: `all resident at once with their (in-process) agents, ${n.toLocaleString('en-US')} created` });
    reportFigure({ id: 'pool.resident', value: resident, detail: `${n.toLocaleString('en-US')} sessions` });
    reportFigure({ id: 'pool.hibernated', value: hibernatedKb, detail: `${n.toLocaleString('en-US')} sessions` });
    console.log(`heap ${n.toLocaleString('en-US').padStart(6)} sessions: hibernated ${verdict(hibernatedKb, HIBERNATED_TARGET_KB)}, ${hibernatedCount} hibernated, heap ${mb(hibernatedHeap)}, hibernated in ${sleepSeconds.toFixed(1)}s`);
  } finally {
    await bench.close();
  }
}

console.log(`load average ${loadavg().map((load) => load.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
console.log(`session pool, sqlite store (durability ${BENCH_DURABILITY}), ${seconds}s per create/destroy run; a pair is one create plus one terminate`);
for (const agent of AGENTS) await createDestroyRun(agent);
for (const n of HEAP_SIZES) await heapRun(n);
