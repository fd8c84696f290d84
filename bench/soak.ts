/**
 * `npm run soak`: the reliability suites, longer. Never part of `npm test`.
 * 1. Fuzz: the HTTP and WebSocket fuzz suites (test/fuzz/http.fuzz.test.ts, test/fuzz/ws.fuzz.test.ts) with
 *    `AICLI_FUZZ_RUNS` (default 10000) cases per property; a suite whose file does not exist is skipped with a note.
 * 2. Crash safety (test/reliability/support/crash-scenario.ts): `SOAK_ROUNDS` (default 20) kill -9 rounds with
 *    `SOAK_SESSIONS` (default 4) sessions × 2 WebSocket clients.
 * 3. Fault storm (test/reliability/support/storm-scenario.ts): `SOAK_SECONDS` (default 120) of faults at set rates
 *    with `SOAK_SESSIONS` × 2 sessions, then a 5 s spawn outage, a 5 s API outage and calm.
 * Prints the counts (acked, lost, duplicated, reconnects, faults injected, bad inputs sent, leaked processes,
 * turns without exactly one terminal event) and a PASS/FAIL line; exits 1 on any failure (any loss or leak
 * included). `RELIABILITY_SEED=<n>` repeats a run (the seed is printed), `SOAK_ONLY=fuzz,crash,storm` runs a
 * part, `SOAK_KEEP=1` keeps each scenario's store and data directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCrashScenario, type CrashScenarioReport } from '../test/reliability/support/crash-scenario.js';
import { scenarioSeed } from '../test/reliability/support/seeded-random.js';
import { runFaultStorm, type StormReport } from '../test/reliability/support/storm-scenario.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FUZZ_FILES = ['test/fuzz/http.fuzz.test.ts', 'test/fuzz/ws.fuzz.test.ts'] as const;

/** A positive integer from the environment, or `fallback`; anything else stops the soak with a clear message. */
function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

const FUZZ_RUNS = positiveInt('AICLI_FUZZ_RUNS', 10_000);
const ROUNDS = positiveInt('SOAK_ROUNDS', 20);
const SECONDS = positiveInt('SOAK_SECONDS', 120);
const SESSIONS = positiveInt('SOAK_SESSIONS', 4);
const KEEP = process.env['SOAK_KEEP'] === '1';
const ONLY = new Set((process.env['SOAK_ONLY'] ?? 'fuzz,crash,storm').split(',').map((part) => part.trim()));
const PARTS = ['fuzz', 'crash', 'storm'];
for (const part of ONLY) {
  if (!PARTS.includes(part)) {
    console.error(`SOAK_ONLY: unknown part ${JSON.stringify(part)} (one or more of ${PARTS.join(', ')})`);
    process.exit(2);
  }
}
const seed = scenarioSeed();

interface FuzzOutcome {
  readonly files: readonly string[];
  readonly skipped: readonly string[];
  readonly passed: number;
  readonly failed: number;
  readonly exitCode: number | null;
}

/** Runs the fuzz suites that exist in one vitest process; counts their tests from its JSON report. */
function runFuzz(): FuzzOutcome {
  const files = FUZZ_FILES.filter((file) => existsSync(join(ROOT, file)));
  const skipped = FUZZ_FILES.filter((file) => !files.includes(file));
  for (const file of skipped) console.log(`fuzz: ${file} does not exist yet: skipped`);
  if (files.length === 0) return { files, skipped, passed: 0, failed: 0, exitCode: 0 };
  const dir = mkdtempSync(join(tmpdir(), 'aicli-soak-fuzz-'));
  const reportFile = join(dir, 'report.json');
  console.log(`fuzz: ${files.join(', ')} with AICLI_FUZZ_RUNS=${FUZZ_RUNS}`);
  const run = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', ...files, '--testTimeout=3600000', '--hookTimeout=600000', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, AICLI_FUZZ_RUNS: String(FUZZ_RUNS) } },
  );
  let passed = 0;
  let failed = 0;
  try {
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { numPassedTests: number; numFailedTests: number };
    passed = report.numPassedTests;
    failed = report.numFailedTests;
  } catch {
    failed = Math.max(1, failed); // no report: vitest itself failed
  }
  rmSync(dir, { recursive: true, force: true });
  return { files, skipped, passed, failed, exitCode: run.status };
}

function crashFailures(report: CrashScenarioReport): string[] {
  const failures: string[] = [];
  const { delivery } = report;
  if (delivery.lost.length > 0) failures.push(`crash: ${delivery.lost.length} acknowledged messages lost: ${JSON.stringify(delivery.lost.slice(0, 3))}`);
  if (delivery.duplicated.length > 0) failures.push(`crash: ${delivery.duplicated.length} messages stored twice: ${JSON.stringify(delivery.duplicated.slice(0, 3))}`);
  if (delivery.mismatched.length > 0) failures.push(`crash: ${delivery.mismatched.length} acks with another turn id than stored: ${JSON.stringify(delivery.mismatched.slice(0, 3))}`);
  if (report.neverAcked > 0) failures.push(`crash: ${report.neverAcked} messages never acknowledged although resent`);
  if (report.turnEnds.length > 0) failures.push(`crash: ${report.turnEnds.length} turns without exactly one terminal event, e.g. ${JSON.stringify(report.turnEnds[0])}`);
  if (report.notQuiet.length > 0) failures.push(`crash: sessions still busy at the end: ${JSON.stringify(report.notQuiet)}`);
  if (report.unanswered.length > 0) failures.push(`crash: sessions that did not answer after a restart: ${JSON.stringify(report.unanswered.slice(0, 3))}`);
  if (report.orphans.length > 0) failures.push(`crash: agent processes surviving a restart unowned: ${JSON.stringify(report.orphans)}`);
  if (report.leftAfterStop.length > 0) failures.push(`crash: agent processes left after the clean stop: ${JSON.stringify(report.leftAfterStop)}`);
  if (report.stopExitCode !== 0) failures.push(`crash: the clean stop exited with ${report.stopExitCode}`);
  return failures;
}

function stormFailures(report: StormReport): string[] {
  const failures: string[] = [];
  const { delivery, breaker } = report;
  if (delivery.lost.length > 0) failures.push(`storm: ${delivery.lost.length} acknowledged messages lost: ${JSON.stringify(delivery.lost.slice(0, 3))}`);
  if (delivery.duplicated.length > 0) failures.push(`storm: ${delivery.duplicated.length} messages stored twice`);
  if (delivery.mismatched.length > 0) failures.push(`storm: ${delivery.mismatched.length} acks with another turn id than stored`);
  if (report.turnEnds.length > 0) failures.push(`storm: ${report.turnEnds.length} turns without exactly one terminal event, e.g. ${JSON.stringify(report.turnEnds[0])}`);
  if (report.notQuiet.length > 0) failures.push(`storm: sessions still busy at the end: ${JSON.stringify(report.notQuiet)}`);
  if (report.unanswered.length > 0) failures.push(`storm: sessions that did not answer once the faults stopped: ${JSON.stringify(report.unanswered.slice(0, 3))}`);
  if (report.health.failures.length > 0) failures.push(`storm: ${report.health.failures.length} health/status requests failed or were slower than the bound: ${JSON.stringify(report.health.failures.slice(0, 3))}`);
  if (breaker.violations.length > 0) failures.push(`storm: the agent-spawn breaker broke its specification: ${breaker.violations.slice(0, 5).join('; ')}`);
  if (breaker.trips === 0 || breaker.closes === 0) failures.push(`storm: the agent-spawn breaker never ${breaker.trips === 0 ? 'opened' : 'closed again'}`);
  if (report.breakerStatus.status !== 'closed' || report.breakerStatus.metric !== 'closed') failures.push(`storm: the agent-spawn breaker reported ${JSON.stringify(report.breakerStatus)} at the end, not closed`);
  const api = report.apiBreaker;
  if (api.violations.length > 0) failures.push(`storm: the anthropic-api breaker broke its specification: ${api.violations.slice(0, 5).join('; ')}`);
  if (api.trips === 0 || api.probes === 0 || api.closes === 0) failures.push(`storm: the anthropic-api breaker ${api.trips === 0 ? 'never opened' : api.probes === 0 ? 'never admitted a probe' : 'never closed again'}`);
  if (report.apiBreakerStatus.status !== 'closed' || report.apiBreakerStatus.metric !== 'closed') failures.push(`storm: the anthropic-api breaker reported ${JSON.stringify(report.apiBreakerStatus)} at the end, not closed`);
  if (report.silentSends > 0) failures.push(`storm: ${report.silentSends} sends got neither an ack nor an error frame`);
  if (report.mismatches.length > 0) failures.push(`storm: recovery metrics differ from the stored log: ${report.mismatches.join('; ')}`);
  if (report.sessionMismatches.length > 0) failures.push(`storm: recovery metrics differ from the session streams: ${report.sessionMismatches.join('; ')}`);
  if (report.leftAfterStop.length > 0) failures.push(`storm: agent processes left after the clean stop: ${JSON.stringify(report.leftAfterStop)}`);
  if (report.stopExitCode !== 0) failures.push(`storm: the clean stop exited with ${report.stopExitCode}`);
  return failures;
}

function breakerLine(history: StormReport['breaker']): string {
  return `${history.trips} trips, ${history.probes} probes, ${history.reopens} failed probes, ${history.closes} closes, ends ${history.finalState}, ${history.violations.length} violations`;
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`soak: seed ${seed} (RELIABILITY_SEED=${seed} to repeat); parts: ${[...ONLY].join(', ')}`);
  const log = (line: string): void => console.log(`  ${line}`);
  const failures: string[] = [];

  const fuzz = ONLY.has('fuzz') ? runFuzz() : undefined;
  if (fuzz !== undefined && (fuzz.failed > 0 || fuzz.exitCode !== 0)) failures.push(`fuzz: ${fuzz.failed} tests failed (vitest exit ${fuzz.exitCode})`);

  const crash = ONLY.has('crash') ? await runCrashScenario({ seed, rounds: ROUNDS, sessions: SESSIONS, clientsPerSession: 2, killAfterMs: [100, 3_000], log }, KEEP) : undefined;
  if (crash !== undefined) failures.push(...crashFailures(crash));

  const storm = ONLY.has('storm')
    ? await runFaultStorm({ seed, sessions: SESSIONS * 2, stormMs: SECONDS * 1_000, outageMs: 5_000, apiOutageMs: 5_000, healthBoundMs: 2_000, log }, KEEP)
    : undefined;
  if (storm !== undefined) failures.push(...stormFailures(storm));

  const injected = storm === undefined ? 0 : Object.values(storm.injected).reduce((sum, count) => sum + count, 0);
  const leaked = (crash === undefined ? 0 : crash.orphans.reduce((sum, round) => sum + round.processes.length, 0) + crash.leftAfterStop.length) + (storm?.leftAfterStop.length ?? 0);
  const sum = (pick: (report: CrashScenarioReport | StormReport) => number): number => [crash, storm].reduce((total, report) => total + (report === undefined ? 0 : pick(report)), 0);
  const rows: Array<[string, string]> = [
    ['acked', String(sum((r) => r.delivery.acked))],
    ['lost', String(sum((r) => r.delivery.lost.length))],
    ['duplicated', String(sum((r) => r.delivery.duplicated.length + r.delivery.mismatched.length))],
    ['reconnects', String(sum((r) => r.reconnects))],
    ['server kills', String(crash?.kills ?? 0)],
    ['faults injected', `${injected}${storm === undefined ? '' : ` ${JSON.stringify(storm.injected)}`}`],
    [
      'bad inputs sent',
      fuzz === undefined ? 'fuzz not run'
      : fuzz.files.length === 0 ? 'fuzz suites not present yet'
      : `${fuzz.passed + fuzz.failed} fuzz properties × up to ${FUZZ_RUNS} cases (${fuzz.files.join(', ')})`,
    ],
    ['leaked processes', String(leaked)],
    ['turns without one end', String(sum((r) => r.turnEnds.length))],
    ['breaker agent-spawn', storm === undefined ? 'storm not run' : breakerLine(storm.breaker)],
    ['breaker anthropic-api', storm === undefined ? 'storm not run' : breakerLine(storm.apiBreaker)],
    ['silent sends', String(storm?.silentSends ?? 0)],
    ['health', storm === undefined ? 'storm not run' : `${storm.health.requests} requests, ${storm.health.failures.length} failed, slowest ${storm.health.slowest} ms`],
  ];
  console.log(`\nsoak results (seed ${seed}, ${((performance.now() - started) / 1000).toFixed(0)} s)`);
  for (const [name, value] of rows) console.log(`  ${name.padEnd(24)}${value}`);
  for (const failure of failures) console.log(`  ✗ ${failure}`);
  console.log(failures.length === 0 ? 'PASS' : `FAIL (${failures.length} problems; RELIABILITY_SEED=${seed} repeats the scenarios)`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

await main();
