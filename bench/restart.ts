/**
 * Restart benchmark: the promise is that a server restarted over a store holding 1,000,000 events serves its API
 * within 2 s.
 * 1. A SQLite store of ~1,000,000 real-shaped events: a few dozen sessions recorded with the real pool and the
 *    in-process agent, replicated with fresh ids through the store port (see `support/restart-store.ts`): ~40k
 *    sessions, a few hundred of them live (half left idle with a process, as a crash leaves them; half
 *    hibernated), the rest terminated, plus the pool's and breakers' streams. Built once per run in a temporary
 *    directory, or kept at `BENCH_RESTART_FILE` (built there when missing, reused when present).
 * 2. The server as users run it — `node bin/aicli-api.js` over a fresh `npm run build` (`BENCH_RESTART_VIA=tsx`:
 *   `node --import tsx src/cli/main.ts`, as `npm run dev`) — with `--store sqlite:<copy>` (default durability),
 *    a free `--port`, `--agent=fake` and `session_pool.min_size=0` (no process is prewarmed), over a fresh copy
 *    of the file each time (a restart appends: idle sessions are hibernated). The copies hold the projection
 *    checkpoints a server that crashed would have left: saved `BENCH_RESTART_TAIL` events (default 10,000) before
 *    the head (`support/restart-checkpoints.ts`, once per run of the bench, in a primed copy), so a restart
 *    restores them and folds that tail; one run over the file without checkpoints (`BENCH_RESTART_FULL=0` skips
 *    it) shows a first start after an upgrade, or with `--refold`. Ready = the first 200 from
 *    `GET /api/v1/session-pool/status`, polled every 10 ms from spawn; the server listens only once the
 *    projections have caught up with the log and the pool has restored. `BENCH_RESTART_RUNS` times (default 3),
 *    after one run over an empty store (what starting costs without any history); also the log lines' times,
 *    resident memory (VmRSS, VmHWM) once ready, and how long a SIGTERM takes (it writes the last checkpoints).
 * 3. When the target is missed (or `BENCH_RESTART_PROFILE=<dir>`): one more run with `--cpu-prof`, cut into the
 *    start-up phases (module loading, store open, projection restore and fold, pool restore, listen) by the first
 *    sample of each phase's code — they run one after the other in `src/cli/serve.ts` — with each phase's top functions.
 * Run with `npx tsx bench/restart.ts`; `BENCH_RESTART_EVENTS=1000000`, `BENCH_RESTART_LIVE=300`,
 * `BENCH_RESTART_BUILD=0` to run the existing `dist/` without rebuilding it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportFigure } from './support/figures.js';
import { primeCheckpoints } from './support/restart-checkpoints.js';
import { benchTempDir, buildRestartStore } from './support/restart-store.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET_MS = 2_000;
const EVENTS = Number(process.env['BENCH_RESTART_EVENTS'] ?? '1000000');
const LIVE = Number(process.env['BENCH_RESTART_LIVE'] ?? '300');
const RUNS = Number(process.env['BENCH_RESTART_RUNS'] ?? '3');
const TAIL = Number(process.env['BENCH_RESTART_TAIL'] ?? '10000');
const FULL = process.env['BENCH_RESTART_FULL'] !== '0';
const VIA = process.env['BENCH_RESTART_VIA'] === 'tsx' ? 'tsx' : 'dist';
const CACHED_FILE = process.env['BENCH_RESTART_FILE'];
const PROFILE_DIR = process.env['BENCH_RESTART_PROFILE'];
const POLL_MS = 10;
/** Longest a start may take before the run is given up. */
const START_TIMEOUT_MS = 120_000;

const temp = benchTempDir();
const children = new Set<number>();
process.on('exit', () => {
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  temp.remove();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(0)} MB`;
const ms = (value: number): string => `${Math.round(value).toLocaleString('en-US')} ms`;

// ── 1. The store ────────────────────────────────────────────────────────────────────────────────────────────────

async function storeFile(): Promise<string> {
  const file = CACHED_FILE === undefined ? join(temp.dir, 'events.db') : resolve(CACHED_FILE);
  if (CACHED_FILE !== undefined && existsSync(file)) {
    console.log(`store: reusing ${file} (${mb(statSync(file).size)}; BENCH_RESTART_FILE)`);
    return file;
  }
  if (existsSync(file)) rmSync(file);
  console.log(`store: building ~${EVENTS.toLocaleString('en-US')} events with ${LIVE} live sessions in ${file}`);
  const started = performance.now();
  const built = await buildRestartStore(file, { events: EVENTS, live: LIVE, log: (line) => console.log(line) });
  console.log(
    `store: built ${built.events.toLocaleString('en-US')} events in ${built.sessions.toLocaleString('en-US')} sessions` +
      ` (${built.live.idle} idle + ${built.live.hibernated} hibernated live, ${built.terminated.toLocaleString('en-US')} terminated; from ${built.templates} recorded templates)` +
      ` in ${((performance.now() - started) / 1000).toFixed(1)}s (recording ${built.recordSeconds.toFixed(1)}s,` +
      ` writing ${built.writeSeconds.toFixed(1)}s = ${Math.round(built.events / built.writeSeconds).toLocaleString('en-US')} events/s); file ${mb(built.bytes)}`,
  );
  return file;
}

// ── 2. Restarting the server ────────────────────────────────────────────────────────────────────────────────────

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** The server's entry point and the node arguments to run it. */
function serverCommand(): string[] {
  if (VIA === 'tsx') return ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
  return [join(ROOT, 'bin/aicli-api.js')];
}

/** A copy of `file` for one run, flushed to disk so its write-back does not land in the measured start. */
function freshCopy(file: string, name: string): string {
  const copy = join(temp.dir, name);
  removeCopy(copy);
  copyFileSync(file, copy);
  const fd = openSync(copy, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  return copy;
}

function removeCopy(copy: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(copy + suffix, { force: true });
}

interface LogLine {
  /** Milliseconds after spawn, by the line's own `time`. */
  readonly at: number;
  readonly msg: string;
}

interface Run {
  readonly readyMs: number;
  readonly log: readonly LogLine[];
  readonly rssKb: number;
  readonly hwmKb: number;
  readonly status: { readonly sessions?: { readonly total?: number; readonly byState?: Record<string, number>; readonly resident?: number }; readonly projectedAt?: number };
  readonly stopMs: number;
  readonly exitCode: number | null;
  /** `process.hrtime` at spawn, µs (the clock of V8 CPU profiles). */
  readonly spawnedAtUs: number;
}

function procStatusKb(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

/** Starts the server over `storePath`, waits until the status endpoint answers, samples it, stops it. */
async function restart(storePath: string, extraNodeArgs: readonly string[] = []): Promise<Run> {
  const port = await freePort();
  const dataDir = join(temp.dir, 'agents');
  const args = [
    ...extraNodeArgs,
    ...serverCommand(),
    `--store=sqlite:${storePath}`,
    `--port=${port}`,
    '--host=127.0.0.1',
    '--agent=fake',
    '--log-level=info',
    '--set',
    'session_pool.min_size=0',
    '--set',
    `agent.data_dir=${dataDir}`,
    // The status endpoint is polled without credentials: this measures restarts, not auth.
    '--set',
    'auth.enabled=false',
  ];
  const spawnedAtUs = Number(process.hrtime.bigint() / 1000n);
  const spawnedAtMs = Date.now();
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: temp.dir, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  const pid = child.pid as number;
  children.add(pid);
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  const log: LogLine[] = [];
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      try {
        const parsed = JSON.parse(line) as { time?: number | string; msg?: string };
        const time = typeof parsed.time === 'string' ? Date.parse(parsed.time) : (parsed.time ?? Date.now());
        log.push({ at: time - spawnedAtMs, msg: parsed.msg ?? line });
      } catch {
        log.push({ at: Date.now() - spawnedAtMs, msg: line });
      }
      newline = pending.indexOf('\n');
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));

  const url = `http://127.0.0.1:${port}/api/v1/session-pool/status`;
  let readyMs = Number.NaN;
  let status: Run['status'] = {};
  while (!exitedEarly && performance.now() - started < START_TIMEOUT_MS) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      if (response.ok) {
        readyMs = performance.now() - started;
        status = (await response.json()) as Run['status'];
        break;
      }
      await response.body?.cancel();
    } catch {
      // not listening yet
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, POLL_MS));
  }
  const rssKb = procStatusKb(pid, 'VmRSS');
  const hwmKb = procStatusKb(pid, 'VmHWM');
  const stopping = performance.now();
  if (!exitedEarly) child.kill('SIGTERM');
  const [code] = await exited;
  const stopMs = performance.now() - stopping;
  children.delete(pid);
  if (Number.isNaN(readyMs)) throw new Error(`the server did not become ready (exit ${String(code)}):\n${stderr}\n${log.map((line) => line.msg).join('\n')}`);
  return { readyMs, log, rssKb, hwmKb, status, stopMs, exitCode: code, spawnedAtUs };
}

function describeRun(label: string, run: Run): void {
  const lines = run.log.filter((line) => !/shutting down|stopped/.test(line.msg)).map((line) => `${ms(line.at)} "${line.msg.slice(0, 70)}"`);
  const byState = Object.entries(run.status.sessions?.byState ?? {}).map(([state, n]) => `${state} ${n}`).join(', ');
  console.log(
    `  ${label}: ready in ${ms(run.readyMs).padStart(9)}; RSS ${mb(run.rssKb * 1024)} (peak ${mb(run.hwmKb * 1024)});` +
      ` ${run.status.sessions?.total ?? 0} live sessions (${byState || 'none'}), projected to position ${run.status.projectedAt ?? 0};` +
      ` SIGTERM → exit ${run.exitCode} in ${ms(run.stopMs)}`,
  );
  if (lines.length > 0) console.log(`    log: ${lines.join('; ')}`);
}

// ── 3. Where the time goes ──────────────────────────────────────────────────────────────────────────────────────

interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The start-up phases in the order `serve()` runs them, each found by the first sample inside its code. */
const PHASES: ReadonlyArray<{ readonly name: string; readonly starts: (frame: CpuProfileNode['callFrame']) => boolean }> = [
  { name: 'node start-up, module loading, config', starts: () => true },
  { name: 'store open (SQLite, schema check)', starts: (frame) => frame.functionName === 'openConfiguredStore' },
  { name: 'projections (restore checkpoints, fold the tail)', starts: (frame) => frame.url.includes('projection-host') || frame.url.includes('checkpoint') },
  { name: 'pool restore (index stored sessions, recover)', starts: (frame) => frame.functionName === 'openConfiguredPool' },
  { name: 'API server, listen, first request', starts: (frame) => frame.functionName === 'createApiServer' || frame.functionName === 'healthRoutes' },
];

/** Functions whose inclusive time is worth naming, by phase. */
const INCLUSIVE = [
  'openConfiguredStore',
  'migrate',
  'reapOrphans',
  'readStoredSessions',
  'storedSessionsOf',
  'loadCheckpoint',
  'decodeCheckpoint',
  'verifyCheckpoint',
  'listStreams',
  'readStream',
  'recoverAfterRestart',
  'load',
  'catchUp',
  'readAll',
  'collectPages',
  'decodeEvent',
  'fold',
  'apply',
  'parse',
  '(garbage collector)',
  '(idle)',
  '(program)',
];

function where(frame: CpuProfileNode['callFrame']): string {
  if (frame.url === '') return frame.functionName;
  const file = frame.url.replace(/^file:\/\//, '').replace(ROOT, '');
  return `${frame.functionName || '(anonymous)'} ${file.startsWith('/') ? basename(file) : file}:${frame.lineNumber + 1}`;
}

function analyseProfile(path: string, run: Run): void {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stackOf = (id: number): CpuProfileNode[] => {
    const stack: CpuProfileNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at) as CpuProfileNode);
    return stack;
  };
  // Sample times (µs, monotonic) and the phase each sample opens, if any.
  const readyAtUs = run.spawnedAtUs + run.readyMs * 1000;
  let t = profile.startTime;
  const phaseStart: number[] = PHASES.map(() => Number.POSITIVE_INFINITY);
  phaseStart[0] = profile.startTime;
  const samples: Array<{ t: number; dt: number; stack: CpuProfileNode[] }> = [];
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] as number;
    const next = t + ((profile.timeDeltas[i + 1] as number | undefined) ?? 0);
    if (t > readyAtUs) break;
    const stack = stackOf(profile.samples[i] as number);
    samples.push({ t, dt: Math.min(next, readyAtUs) - t, stack });
    for (let p = 1; p < PHASES.length; p++) {
      if (phaseStart[p] === Number.POSITIVE_INFINITY && stack.some((node) => (PHASES[p] as (typeof PHASES)[number]).starts(node.callFrame))) phaseStart[p] = t;
    }
  }
  // A phase not seen (too short for a sample) starts where the next one does.
  for (let p = PHASES.length - 2; p >= 1; p--) if (phaseStart[p] === Number.POSITIVE_INFINITY) phaseStart[p] = phaseStart[p + 1] ?? readyAtUs;
  for (let p = 1; p < PHASES.length; p++) if ((phaseStart[p] as number) === Number.POSITIVE_INFINITY) phaseStart[p] = readyAtUs;
  const phaseOf = (time: number): number => {
    let phase = 0;
    for (let p = 1; p < PHASES.length; p++) if (time >= (phaseStart[p] as number)) phase = p;
    return phase;
  };
  const total = readyAtUs - run.spawnedAtUs;
  console.log(`  profiled run: ready in ${ms(run.readyMs)} (profiling adds its own overhead); by phase, wall time from spawn:`);
  console.log(`    ${ms((profile.startTime - run.spawnedAtUs) / 1000).padStart(9)}  ${'process spawn, V8/node bootstrap before the profiler starts'}`);
  for (let p = 0; p < PHASES.length; p++) {
    const from = phaseStart[p] as number;
    const to = p + 1 < PHASES.length ? (phaseStart[p + 1] as number) : readyAtUs;
    const inPhase = samples.filter((sample) => phaseOf(sample.t) === p);
    const self = new Map<string, number>();
    const inclusive = new Map<string, number>();
    for (const sample of inPhase) {
      const top = sample.stack[0] as CpuProfileNode;
      const key = where(top.callFrame);
      self.set(key, (self.get(key) ?? 0) + sample.dt);
      const names = new Set(sample.stack.map((node) => node.callFrame.functionName));
      for (const name of INCLUSIVE) if (names.has(name)) inclusive.set(name, (inclusive.get(name) ?? 0) + sample.dt);
    }
    const share = (((to - from) / total) * 100).toFixed(0);
    console.log(`    ${ms((to - from) / 1000).padStart(9)}  ${PHASES[p]?.name} (${share}%, from ${ms((from - run.spawnedAtUs) / 1000)})`);
    const topSelf = [...self].sort((a, b) => b[1] - a[1]).slice(0, 8);
    if (topSelf.length > 0) console.log(`               self: ${topSelf.map(([name, us]) => `${name} ${ms(us / 1000)}`).join('; ')}`);
    const named = [...inclusive].filter(([, us]) => us >= 5_000).sort((a, b) => b[1] - a[1]);
    if (named.length > 0) console.log(`               inclusive: ${named.map(([name, us]) => `${name} ${ms(us / 1000)}`).join('; ')}`);
  }
}

// ── Main ────────────────────────────────────────────────────────────────────────────────────────────────────────

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

console.log(`load average ${loadavg().map((load) => load.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
const file = await storeFile();

if (VIA === 'dist') {
  if (process.env['BENCH_RESTART_BUILD'] !== '0') {
    const started = performance.now();
    const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error(`npm run build failed (${String(built.status)})`);
    console.log(`server: npm run build in ${((performance.now() - started) / 1000).toFixed(1)}s; running node bin/aicli-api.js (dist/)`);
  } else console.log('server: running node bin/aicli-api.js over the existing dist/ (BENCH_RESTART_BUILD=0)');
} else console.log('server: running node --import tsx src/cli/main.ts (as npm run dev)');
console.log(`server flags: --store=sqlite:<fresh copy> --agent=fake --set session_pool.min_size=0 --log-level=info; ready = first 200 from GET /api/v1/session-pool/status (polled every ${POLL_MS} ms)`);

const empty = await restart(join(temp.dir, 'empty.db'));
removeCopy(join(temp.dir, 'empty.db'));
describeRun('empty store', empty);

if (FULL) {
  const copy = freshCopy(file, 'run.db');
  console.log(`load average ${loadavg().map((load) => load.toFixed(2)).join(' ')} before the run without checkpoints`);
  const run = await restart(copy);
  removeCopy(copy);
  describeRun('no checkpoint (full fold)', run);
}

const primed = freshCopy(file, 'primed.db');
const saved = await primeCheckpoints(primed, TAIL);
console.log(
  `checkpoints: folded to position ${saved.position} of ${saved.head} (${TAIL.toLocaleString('en-US')} events of tail) and saved ${mb(saved.bytes)} of checkpoints in ${saved.seconds.toFixed(1)}s (in this process, once)`,
);

const runs: Run[] = [];
for (let i = 0; i < RUNS; i++) {
  const copy = freshCopy(primed, 'run.db');
  console.log(`load average ${loadavg().map((load) => load.toFixed(2)).join(' ')} before run ${i + 1}`);
  const run = await restart(copy);
  removeCopy(copy);
  runs.push(run);
  describeRun(`run ${i + 1}`, run);
}
const times = runs.map((run) => run.readyMs);
const best = Math.min(...times);
const mid = median(times);
const pass = mid <= TARGET_MS;
console.log(
  `restart over ${basename(file)} (${mb(statSync(file).size)}): ready in ${times.map((time) => ms(time)).join(', ')};` +
    ` best ${ms(best)}, median ${ms(mid)} (target ≤${ms(TARGET_MS)}: ${pass ? 'PASS' : 'FAIL'}); empty store ${ms(empty.readyMs)};` +
    ` RSS once ready ${mb(median(runs.map((run) => run.rssKb)) * 1024)} (empty store ${mb(empty.rssKb * 1024)})`,
);
reportFigure({ id: 'restart.median', value: mid, detail: `runs ${times.map((time) => ms(time)).join(', ')}; empty store ${ms(empty.readyMs)}; ${TAIL.toLocaleString('en-US')}-event tail after checkpoints` });

if (!pass || PROFILE_DIR !== undefined) {
  const dir = PROFILE_DIR === undefined ? join(temp.dir, 'profile') : resolve(PROFILE_DIR);
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  const copy = freshCopy(primed, 'run.db');
  const run = await restart(copy, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250']);
  removeCopy(copy);
  const written = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile') && !before.has(name));
  if (written.length === 0) console.log(`  no CPU profile was written in ${dir}`);
  else {
    const path = join(dir, written[0] as string);
    analyseProfile(path, run);
    if (PROFILE_DIR !== undefined) console.log(`  profile: ${path}`);
  }
}
