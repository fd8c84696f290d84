/**
 * Churn benchmark: heap, file descriptors and child processes must stay flat over 100,000 session churns.
 * A pool of 8 warm fake-claude child processes (also its maximum) over a durable SQLite store; 8 concurrent loops each `create` a
 * session, wait for `ready`, and `terminate` it. Every 100th session sends one message and waits for its turn
 * before terminating, so its process has taken a turn and cannot be reused: it is stopped and a new one spawned
 * (real process exits, pipes closed, PIDs reaped). Every 10,000 churns the benchmark collects garbage and samples
 * the manager's `heapUsed`, its open file descriptors (`/proc/self/fd`) and its live child processes (from
 * `/proc`, not from the pool's counters); the first sample is taken after a warm-up of 10,000 churns.
 * Verdict: heap growth from the first sample to the last under 2 MB (a leak of one 100-byte object per churn
 * would show as 9 MB), and no more descriptors or children at the end than at the first sample.
 * Run with `npx tsx bench/churn.ts`; `BENCH_CHURNS=20000` for a shorter run; `BENCH_CHURN_SNAPSHOTS=<dir>` writes a
 * heap snapshot at the first and the last sample, to compare in Chrome DevTools. Needs `--expose-gc` (re-executes
 * itself with it).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { childProcesses } from '../src/pool/index.js';
import { reportFigure } from './support/figures.js';
import { benchRequest, openBenchPool, StateWaiter, until } from './support/bench-pool.js';

const CHURNS = Number(process.env['BENCH_CHURNS'] ?? '100000');
const SAMPLE_EVERY = Math.max(1_000, Math.floor(CHURNS / 10));
const LOOPS = 8;
const WARM = 8;
/** One session in this many takes a turn, so its process is replaced instead of reused. */
const TURN_EVERY = 100;
const HEAP_GROWTH_LIMIT_BYTES = 2 * 1024 * 1024;
const SNAPSHOT_DIR = process.env['BENCH_CHURN_SNAPSHOTS'];

if (typeof globalThis.gc !== 'function') {
  const rerun = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(rerun.status ?? 1);
}
const gc = globalThis.gc as () => void;

interface Sample {
  readonly churns: number;
  readonly heapUsed: number;
  readonly fds: number;
  readonly children: number;
  readonly seconds: number;
}

async function main(): Promise<void> {
  console.log(`load average ${loadavg().map((n) => n.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  const bench = await openBenchPool('fake-claude', { 'session_pool.min_size': WARM, 'session_pool.max_size': WARM });
  const { pool } = bench;
  const waiter = new StateWaiter(pool);
  const samples: Sample[] = [];
  const started = performance.now();
  let churns = 0;
  let failures = 0;
  let refused = 0;
  let hung = 0;
  const failed = (what: string, error: unknown): void => {
    if (failures++ === 0) console.log(`  first failure: ${what} ${JSON.stringify(error)}`);
  };
  let nextSample = SAMPLE_EVERY;
  let sampling: Promise<void> | undefined;

  const sample = async (): Promise<void> => {
    // Let the processes replaced by the last churns exit, and the warm set refill, before counting.
    await until(() => pool.status().processes.warm === WARM && pool.status().processes.inUse === 0, 'the warm set to settle', 10_000).catch(() => undefined);
    gc();
    samples.push({
      churns,
      heapUsed: process.memoryUsage().heapUsed,
      fds: readdirSync('/proc/self/fd').length,
      children: childProcesses().length,
      seconds: (performance.now() - started) / 1000,
    });
    const last = samples[samples.length - 1] as Sample;
    if (SNAPSHOT_DIR !== undefined && (samples.length === 1 || churns >= CHURNS)) writeHeapSnapshot(join(SNAPSHOT_DIR, `churn-${last.churns}.heapsnapshot`));
    console.log(
      `  ${String(last.churns).padStart(7)} churns at ${last.seconds.toFixed(1).padStart(6)}s: heap ${(last.heapUsed / 1024 / 1024).toFixed(2)} MB,` +
        ` ${last.fds} fds, ${last.children} child processes`,
    );
  };

  /** `promise`, or a failure after 30 s: a churn that hangs is reported, not waited on for ever. */
  const within = async (promise: Promise<void>, what: string, sessionId: string): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 30_000)));
    const done = await Promise.race([promise.then(() => true), timedOut]);
    clearTimeout(timer);
    if (!done && hung++ === 0) {
      const state = await pool.snapshot(sessionId).match((snapshot) => String(snapshot.value), (error) => error.kind);
      console.log(`  first hang: session ${sessionId} never got ${what} in 30 s; it is ${state}`);
    }
    return done;
  };

  const loop = async (worker: number): Promise<void> => {
    while (churns < CHURNS) {
      if (sampling !== undefined) await sampling;
      const n = ++churns;
      const sessionId = randomUUID();
      const ready = waiter.until(sessionId, 'ready');
      let created = await pool.create(benchRequest(`user-${worker}`), { sessionId });
      while (created.isErr() && created.error.kind === 'PoolExhausted') {
        // What a client does on 429: wait a moment (replaced processes are still exiting) and ask again.
        refused += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        created = await pool.create(benchRequest(`user-${worker}`), { sessionId });
      }
      if (created.isErr()) {
        failed('create', created.error);
        continue;
      }
      if (!(await within(ready, 'ready', sessionId))) continue;
      if (n % TURN_EVERY === 0) {
        const idle = waiter.until(sessionId, 'idle');
        const sent = await pool.send(sessionId, { userId: `user-${worker}`, text: `turn ${n}` });
        if (sent.isErr()) failed('send', sent.error);
        else if (!(await within(idle, 'idle', sessionId))) continue;
      }
      const terminated = waiter.until(sessionId, 'terminated');
      const ended = await pool.terminate(sessionId);
      if (ended.isErr()) failed('terminate', ended.error);
      else await within(terminated, 'terminated', sessionId);
      if (churns >= nextSample && sampling === undefined) {
        nextSample += SAMPLE_EVERY;
        sampling = sample().finally(() => (sampling = undefined));
      }
    }
  };

  try {
    await until(() => pool.status().processes.warm === WARM, `${WARM} warm processes`, 30_000);
    console.log(`churn: ${CHURNS.toLocaleString('en-US')} create→ready→terminate, ${LOOPS} loops, ${WARM} warm fake-claude processes, 1 in ${TURN_EVERY} takes a turn`);
    await Promise.all(Array.from({ length: LOOPS }, (_, worker) => loop(worker)));
    if (sampling !== undefined) await sampling;
    await sample();
  } finally {
    waiter.close();
  }
  const spawned = bench.spawned();
  await bench.close();

  const first = samples[0] as Sample;
  const last = samples[samples.length - 1] as Sample;
  const growth = last.heapUsed - first.heapUsed;
  const churned = Math.max(1, last.churns - first.churns);
  const elapsed = (performance.now() - started) / 1000;
  const flat = growth < HEAP_GROWTH_LIMIT_BYTES && last.fds <= first.fds && last.children <= first.children;
  console.log(
    `churn ${CHURNS.toLocaleString('en-US')}: heap ${growth >= 0 ? '+' : ''}${(growth / 1024).toFixed(0)} KB from ${first.churns} to ${last.churns} churns` +
      ` (${(growth / churned).toFixed(1)} B/churn), fds ${first.fds}→${last.fds}, child processes ${first.children}→${last.children};` +
      ` ${Math.round(CHURNS / elapsed).toLocaleString('en-US')} churns/s, ${spawned} processes spawned, ${refused} creates refused while full and retried, ${failures} failures, ${hung} hung; target flat: ${flat && failures + hung === 0 ? 'PASS' : 'FAIL'}`,
  );
  reportFigure({
    id: 'churn.heap',
    value: growth / 1024,
    met: flat && failures + hung === 0,
    detail: `${CHURNS.toLocaleString('en-US')} churns; fds ${first.fds}→${last.fds}, children ${first.children}→${last.children}; ${failures} failures, ${hung} hung`,
  });
  const after = childProcesses().length;
  console.log(`  after close: ${after} child processes`);
}

await main();
