/**
 * The benchmark runner (`npm run bench`): runs each benchmark as its own child process (`node --import tsx`,
 * output passed through as it comes) with a short duration, then prints a one-screen summary of the figure lines
 * each printed. Exits non-zero when a benchmark failed to run (a missed target is a printed FAIL, not an exit code).
 * Run with `npx tsx bench/run.ts [seconds-per-run]` (default 2).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const seconds = process.argv[2] ?? '2';

/** A benchmark script and which of its output lines are figures worth repeating in the summary. */
interface Benchmark {
  readonly name: string;
  readonly file: string;
  readonly figure: RegExp;
}

const BENCHMARKS: readonly Benchmark[] = [
  { name: 'event store (bench/store.ts)', file: 'store.ts', figure: /events\/s/ },
  { name: 'session pool (bench/pool.ts)', file: 'pool.ts', figure: /load average|pairs\/s|create→ready|KB\/session/ },
  { name: 'messages end to end (bench/messages.ts)', file: 'messages.ts', figure: /load average|durability|messages\/s/ },
  { name: 'WebSocket (bench/ws.ts)', file: 'ws.ts', figure: /load average|ws round trip|fan-out|send→last|µs\/message|event-loop/ },
  { name: 'churn (bench/churn.ts)', file: 'churn.ts', figure: /load average|^churn / },
  { name: 'restart over a million events (bench/restart.ts)', file: 'restart.ts', figure: /load average before run 1|^restart over/ },
];

/** Runs `file` with `--expose-gc` (the pool benchmark needs it), echoing its output; resolves with the output and exit code. */
function run(file: string): Promise<{ readonly output: string; readonly code: number | null }> {
  return new Promise((resolve) => {
    const script = fileURLToPath(new URL(file, import.meta.url));
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, seconds], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on('close', (code) => resolve({ output, code }));
  });
}

const summary: string[] = [];
let failed = false;
for (const benchmark of BENCHMARKS) {
  console.log(`\n── ${benchmark.name}, ${seconds}s per run ──`);
  const started = performance.now();
  const { output, code } = await run(benchmark.file);
  const elapsed = ((performance.now() - started) / 1000).toFixed(0);
  summary.push(`${benchmark.name}: ${code === 0 ? 'ran' : `FAILED (exit ${code})`} in ${elapsed}s`);
  for (const line of output.split('\n')) if (benchmark.figure.test(line)) summary.push(`  ${line.trim()}`);
  if (code !== 0) failed = true;
}
console.log(`\n── summary ──\n${summary.join('\n')}`);
if (failed) process.exitCode = 1;
