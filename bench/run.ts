/**
 * The benchmark runner (`npm run bench`): runs each benchmark as its own child process (`node --import tsx`,
 * output passed through as it comes) with a short duration, then prints a one-screen summary of the figure lines
 * each printed, and ends with the table of every target (`support/targets.ts`): figure, seed target, our target,
 * measured, ratio to the raw limit, verdict. The table is also written to `bench/results/latest.json` and
 * `latest.md` (not committed: they change with every run). Exits non-zero when a benchmark failed to run (a
 * missed target is a printed FAIL, not an exit code).
 * Run with `npx tsx bench/run.ts [seconds-per-run]` (default 2); `BENCH_ONLY=messages,ws` runs only those
 * scripts; the agent path runs `BENCH_AGENT_SECONDS` (default here 5, 20 when `bench/messages.ts` runs alone).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isFigureLine, parseFigures, type Figure } from './support/figures.js';
import { buildTable, renderMarkdown, renderText } from './support/targets.js';

const seconds = process.argv[2] ?? '2';
const ONLY = process.env['BENCH_ONLY']?.split(',').filter(Boolean);
const RESULTS = fileURLToPath(new URL('results/', import.meta.url));
const env = { ...process.env, BENCH_FIGURES: '1', BENCH_AGENT_SECONDS: process.env['BENCH_AGENT_SECONDS'] ?? '5' };

/** A benchmark script and which of its output lines are figures worth repeating in the summary. */
interface Benchmark {
  readonly name: string;
  readonly file: string;
  readonly figure: RegExp;
}

const BENCHMARKS: readonly Benchmark[] = [
  { name: 'event store (bench/store.ts)', file: 'store.ts', figure: /events\/s/ },
  { name: 'session pool (bench/pool.ts)', file: 'pool.ts', figure: /load average|pairs\/s|create→ready|KB\/session/ },
  { name: 'messages end to end (bench/messages.ts)', file: 'messages.ts', figure: /load average|durability|messages\/s|where the server CPU goes|cpu share/ },
  { name: 'WebSocket (bench/ws.ts)', file: 'ws.ts', figure: /load average|ws round trip|fan-out|send→last|µs\/message|event-loop/ },
  { name: 'churn (bench/churn.ts)', file: 'churn.ts', figure: /load average|^churn / },
  { name: 'restart over a million events (bench/restart.ts)', file: 'restart.ts', figure: /load average before run 1|^restart over/ },
];

/**
 * Runs `file` with `--expose-gc` (the pool benchmark needs it), echoing its output line by line except the figure
 * lines (for the table); resolves with the whole output and the exit code.
 */
function run(file: string): Promise<{ readonly output: string; readonly code: number | null }> {
  return new Promise((resolve) => {
    const script = fileURLToPath(new URL(file, import.meta.url));
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, seconds], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let output = '';
    let pending = '';
    const echo = (text: string): void => {
      for (const line of text.split('\n')) if (!isFigureLine(line)) process.stdout.write(`${line}\n`);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      pending += chunk;
      const end = pending.lastIndexOf('\n');
      if (end < 0) return;
      echo(pending.slice(0, end));
      pending = pending.slice(end + 1);
    });
    child.on('close', (code) => {
      if (pending !== '') echo(pending);
      resolve({ output, code });
    });
  });
}

const loadBefore = loadavg();
const started = new Date();
const summary: string[] = [];
const figures: Figure[] = [];
let failed = false;
for (const benchmark of BENCHMARKS) {
  if (ONLY !== undefined && !ONLY.includes(benchmark.file.replace(/\.ts$/, ''))) continue;
  console.log(`\n── ${benchmark.name}, ${seconds}s per run ──`);
  const started = performance.now();
  const { output, code } = await run(benchmark.file);
  const elapsed = ((performance.now() - started) / 1000).toFixed(0);
  summary.push(`${benchmark.name}: ${code === 0 ? 'ran' : `FAILED (exit ${code})`} in ${elapsed}s`);
  for (const line of output.split('\n')) if (!isFigureLine(line) && benchmark.figure.test(line)) summary.push(`  ${line.trim()}`);
  figures.push(...parseFigures(output));
  if (code !== 0) failed = true;
}
console.log(`\n── summary ──\n${summary.join('\n')}`);

const load = (values: readonly number[]): string => values.map((value) => value.toFixed(2)).join(' ');
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() || 'unknown';
const context =
  `${started.toISOString()}, commit ${commit}, node ${process.version}, ${availableParallelism()} cores;` +
  ` load average ${load(loadBefore)} at start, ${load(loadavg())} at end; ${seconds}s per run, agent path ${env.BENCH_AGENT_SECONDS}s`;
const rows = buildTable(figures);
console.log(`\n── targets (${context}) ──\n${renderText(rows)}`);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(`${RESULTS}latest.json`, `${JSON.stringify({ context, startedAt: started.toISOString(), commit, loadBefore, loadAfter: loadavg(), seconds: Number(seconds), rows }, null, 2)}\n`);
writeFileSync(`${RESULTS}latest.md`, renderMarkdown(rows, `# npm run bench\n\n${context}`));
console.log(`\n(written to bench/results/latest.json and latest.md)`);
if (failed) process.exitCode = 1;
