/**
 * `npm run test:dashboards`: the dashboards proven against a real Prometheus. Starts the server with the fake
 * claude on loopback (SQLite store in a temporary directory), Prometheus scraping it every second, drives the
 * traffic of `traffic.ts` (faults, breakers, WebSocket), then checks:
 * - every panel expression of every dashboard in grafana/ parses and returns data;
 * - each event counter's series reads 0 at its first scrape, and its increase over the run equals the stored
 *   events (faults by kind, recoveries by outcome, turns by outcome, API retries, breaker transitions) or, for
 *   WebSocket drops, what the clients saw;
 * - `promtool check metrics` on /metrics warns about nothing but the kept name `aicli_response_latency_histogram`;
 * - `promtool check rules grafana/alerts.yml` passes.
 * Prints what it found; exits 1 on any failure. Installs Debian's `prometheus` with apt-get when it is missing.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config/index.js';
import { readStoredLog } from '../reliability/support/stored-log.js';
import { scenarioDirs, startScenarioServer } from '../reliability/support/scenario-server.js';
import { exprsOf, loadDashboards, substituteGrafanaVariables } from './dashboard-queries.js';
import { ensurePrometheus, startPrometheus, type Prometheus } from './prometheus.js';
import { seriesKey, storedCounts, type SeriesCounts } from './stored-counts.js';
import { driveTraffic } from './traffic.js';

/** The counters whose increase must equal the stored events' counts (every series of each). */
const EVENT_COUNTERS = ['aicli_agent_faults_total', 'aicli_error_recovery_total', 'aicli_turns_total', 'aicli_agent_api_retries_total', 'aicli_circuit_breaker_transitions_total'] as const;
const DROPS = 'aicli_websocket_dropped_total';
/** The one warning `promtool check metrics` may print: the product's own name, kept (see docs/metrics.md). */
const KEPT_NAME_WARNING = "aicli_response_latency_histogram metric name should not include type 'histogram'";

const SETTINGS = [
  'agent.start_timeout=2s',
  'agent.stall_timeout=1500ms',
  'agent.kill_grace=300ms',
  'agent.interrupt_grace=300ms',
  'error_recovery.recovery_timeout=3s',
  'error_recovery.circuit_breaker.consecutive_failure_threshold=2',
  'error_recovery.circuit_breaker.minimum_calls=1000000',
  'error_recovery.circuit_breaker.open_duration=500ms',
  'error_recovery.circuit_breaker.max_open_duration=2s',
  'error_recovery.retry.spawn_failure.base_delay=20ms',
  'error_recovery.retry.spawn_failure.max_delay=100ms',
  'error_recovery.retry.crash.base_delay=20ms',
  'error_recovery.retry.crash.max_delay=100ms',
  'web_interface.websocket.hello_timeout=1s',
];

const log = (line: string): void => console.log(line);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const failures: string[] = [];
const fail = (message: string): void => {
  failures.push(message);
  log(`FAIL ${message}`);
};

/** Every sample of `metric` over the last `seconds` at `time`, per series: [first, last]. */
async function firstAndLast(prometheus: Prometheus, metric: string, seconds: number, time: number): Promise<Map<string, { first: number; last: number }>> {
  const answer = await prometheus.query(`${metric}{job="aicli"}[${seconds}s]`, time);
  const series = new Map<string, { first: number; last: number }>();
  if (!answer.ok) {
    fail(`${metric}: ${answer.error}`);
    return series;
  }
  for (const sample of answer.result) {
    const { __name__, instance, job, ...labels } = sample.metric;
    const values = sample.values ?? [];
    if (values.length === 0) continue;
    series.set(seriesKey(metric, labels), { first: Number(values[0]![1]), last: Number(values[values.length - 1]![1]) });
  }
  return series;
}

async function checkCounters(prometheus: Prometheus, expected: SeriesCounts, drops: Readonly<Record<string, number>>, runSeconds: number, time: number): Promise<void> {
  const rows: string[] = [];
  for (const metric of [...EVENT_COUNTERS, DROPS]) {
    const series = await firstAndLast(prometheus, metric, runSeconds, time);
    if (series.size === 0) fail(`${metric}: no series scraped`);
    const wanted = new Map<string, number>();
    if (metric === DROPS) for (const [reason, count] of Object.entries(drops)) wanted.set(seriesKey(metric, { reason }), count);
    else for (const [key, count] of expected) if (key.startsWith(`${metric}{`)) wanted.set(key, count);
    for (const key of new Set([...series.keys(), ...wanted.keys()])) {
      const seen = series.get(key);
      const increase = seen === undefined ? 0 : seen.last - seen.first;
      const want = wanted.get(key) ?? 0;
      if (seen === undefined) fail(`${key}: never scraped (expected ${want})`);
      else if (seen.first !== 0) fail(`${key}: first scrape read ${seen.first}, not 0`);
      if (increase !== want) fail(`${key}: increased by ${increase} over the run, the ${metric === DROPS ? 'clients saw' : 'store holds'} ${want}`);
      if (want > 0 || increase > 0) rows.push(`  ${key.padEnd(96)} ${String(increase).padStart(4)} ${String(want).padStart(6)}`);
    }
  }
  log(`counter increases over the run (${runSeconds} s) against the stored events (drops: against the clients):`);
  log(`  ${'series'.padEnd(96)} prom expect`);
  for (const row of rows) log(row);
}

async function checkPanels(prometheus: Prometheus, runSeconds: number, time: number): Promise<void> {
  let total = 0;
  let withData = 0;
  for (const { file, json } of loadDashboards()) {
    for (const { panel, expr } of exprsOf(json)) {
      total += 1;
      const query = substituteGrafanaVariables(expr, { rateInterval: '10s', interval: '5s', range: `${runSeconds}s` }, { instance: '.*', route: '.*', tenant: '.*' });
      const answer = await prometheus.query(query, time);
      if (!answer.ok) {
        fail(`${file} "${panel}": does not evaluate: ${answer.error}\n    ${query}`);
        continue;
      }
      if (answer.result.length > 0) {
        withData += 1;
        continue;
      }
      fail(`${file} "${panel}": no data\n    ${query}`);
    }
  }
  log(`dashboard panels: ${total} expressions, all evaluated; ${withData} returned data`);
}

function checkPromtool(metricsText: string, dir: string): void {
  const metrics = spawnSync('promtool', ['check', 'metrics'], { input: metricsText, encoding: 'utf8' });
  const warnings = `${metrics.stdout}${metrics.stderr}`.trim().split('\n').filter(Boolean);
  const unexpected = warnings.filter((line) => line !== KEPT_NAME_WARNING);
  if (unexpected.length > 0) fail(`promtool check metrics: ${unexpected.join('; ')}`);
  log(`promtool check metrics: ${warnings.length === 0 ? 'no warnings' : `only the documented warning (${warnings.join('; ')})`}`);
  const rules = spawnSync('promtool', ['check', 'rules', join(PACKAGE_ROOT, 'grafana', 'alerts.yml')], { encoding: 'utf8' });
  if (rules.status !== 0) fail(`promtool check rules grafana/alerts.yml: ${rules.stdout}${rules.stderr}`);
  else log(`promtool check rules grafana/alerts.yml: ${rules.stdout.trim().split('\n').pop()?.trim()}`);
  writeFileSync(join(dir, 'metrics.txt'), metricsText);
}

async function main(): Promise<void> {
  const started = Date.now();
  ensurePrometheus(log);
  const dirs = scenarioDirs('dashboards');
  const ratesFile = join(dirs.root, 'fault-rates');
  writeFileSync(ratesFile, '');
  const server = await startScenarioServer(dirs, SETTINGS, { FAKE_CLAUDE_FAULT_RATES: `file:${ratesFile}` });
  let prometheus: Prometheus | null = null;
  try {
    prometheus = await startPrometheus(new URL(server.url).host);
    log(`server ${server.url}, prometheus ${prometheus.url} (scraping every 1 s), data in ${dirs.root}`);
    // Traffic starts after the first scrape, so every counter's first sample is the 0 it starts at.
    const firstScrape = Date.now() + 15_000;
    for (;;) {
      const up = await prometheus.query('up{job="aicli"} == 1');
      if (up.ok && up.result.length > 0) break;
      if (Date.now() > firstScrape) throw new Error('prometheus did not scrape the server within 15 s');
      await sleep(250);
    }
    const runStart = Date.now();
    log('traffic:');
    const traffic = await driveTraffic(server.url, ratesFile, log);
    // Let the last events be folded and scraped (twice over), then read everything at one instant.
    await sleep(3_000);
    const at = Date.now() / 1000;
    const runSeconds = Math.ceil(at - runStart / 1000) + 5;
    log(`traffic done: ${traffic.sessions.length} sessions, ${traffic.messages} messages, drops seen by clients ${JSON.stringify(traffic.drops)}`);
    const metricsText = await (await fetch(`${server.url}/metrics`)).text();

    await server.process.stop('SIGTERM');
    // Events stored after the instant read (the shutdown's) are not in the figures.
    const log_ = (await readStoredLog(dirs.storeFile)).filter((event) => event.recordedAt.getTime() <= at * 1000);
    await checkCounters(prometheus, storedCounts(log_), traffic.drops, runSeconds, at);
    await checkPanels(prometheus, runSeconds, at);
    checkPromtool(metricsText, dirs.root);
  } finally {
    if (server.process.child.exitCode === null) await server.process.stop('SIGTERM');
    await prometheus?.stop();
  }
  log(`${failures.length === 0 ? 'PASS' : `FAIL (${failures.length})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (failures.length === 0) dirs.remove();
  else log(`kept ${dirs.root}`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

await main();
