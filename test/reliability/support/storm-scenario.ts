/**
 * The fault-storm scenario, shared by `test/reliability/fault-storm.test.ts` and `bench/soak.ts`. One server (a
 * child process over a SQLite file) runs the fake claude with seeded random faults (`FAKE_CLAUDE_FAULT_RATES`,
 * read from a file the scenario rewrites between phases) while one WebSocket client per session sends messages:
 * 1. storm: crashes, hangs, stalls, garbage, unexpected exits, error results and failed starts at set rates;
 * 2. spawn outage: every start fails (and running agents crash often), while new sessions are created, so the
 *    `agent-spawn` breaker must open, let a probe through after its open period, and re-open when it fails;
 * 3. API outage: every turn reports `api_retry` lines and ends in an API error, so the `anthropic-api` breaker must
 *    open, admit probes in half-open (each a stored `ProbeStarted`) and re-open when they fail, while every
 *    message still gets an answer (an ack or an error frame, never silence);
 * 4. calm: no faults; a new session is created and every session that has not failed must answer a new message,
 *    so both breakers' probes succeed and they close.
 * Throughout, health and pool status must answer. Once quiet, the live recovery metrics are read; after a clean
 * stop, the stored log is checked: the breaker's transitions against its specification, the metrics against the
 * stored faults and recoveries, delivery and turn ends, and no agent process may be left.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STREAM_PREFIX } from '../../../machines/index.js';
import { POOL_BREAKERS } from '../../../src/pool/index.js';
import { killScenarioAgents, scenarioAgents, type AgentProcess } from './agent-census.js';
import { createSession, metricSamples, sessionState } from './api.js';
import { checkBreakerStream, type BreakerHistory, type BreakerSpec } from './breaker-spec.js';
import { monitorHealth, type HealthReport } from './health-monitor.js';
import { checkDelivery, MessageLedger, type DeliveryReport } from './message-ledger.js';
import { figureMismatches, metricFigures, storedFigures, type RecoveryFigures } from './recovery-figures.js';
import { scenarioDirs, startScenarioServer } from './scenario-server.js';
import { SeededRandom } from './seeded-random.js';
import { awaitQuiet, probeSessions, readHistories, type Unanswered } from './session-checks.js';
import { readStoredLog } from './stored-log.js';
import { checkTurnEnds, type TurnEndViolation } from './turn-ends.js';
import { pollUntil, sleep } from './wait.js';
import { runSender } from './ws-sender.js';

/** How long each phase lasts and how much load there is. */
export interface StormOptions {
  readonly seed: number;
  readonly sessions: number;
  readonly stormMs: number;
  readonly outageMs: number;
  readonly apiOutageMs: number;
  /** Bound of every health/status request (a liveness bound, not a latency target). */
  readonly healthBoundMs: number;
  readonly log?: (line: string) => void;
}

/** What the scenario saw. */
export interface StormReport {
  readonly seed: number;
  /** Faults the fake claude injected, by kind (from its fault log). */
  readonly injected: Readonly<Record<string, number>>;
  readonly messages: number;
  readonly sends: number;
  readonly reconnects: number;
  readonly health: HealthReport;
  /** The `agent-spawn` breaker's stored history. */
  readonly breaker: BreakerHistory;
  /** Its state as `GET /api/v1/session-pool/status` reported it at the end, and as the metric did. */
  readonly breakerStatus: { readonly status: string | null; readonly metric: string | null };
  /** The same for the `anthropic-api` breaker. */
  readonly apiBreaker: BreakerHistory;
  readonly apiBreakerStatus: { readonly status: string | null; readonly metric: string | null };
  /** Sends that got neither an ack nor an error frame within 10 s on an open connection. */
  readonly silentSends: number;
  readonly metrics: RecoveryFigures;
  readonly stored: { readonly reported: RecoveryFigures; readonly fromSessions: RecoveryFigures };
  /** Metrics that differ from what the pool recorded (`RecoveryReported`, and faults in the session streams). */
  readonly mismatches: readonly string[];
  /** Metrics that differ from the session streams' own facts (see recovery-figures.ts). */
  readonly sessionMismatches: readonly string[];
  readonly delivery: DeliveryReport;
  readonly turnEnds: readonly TurnEndViolation[];
  /** Sessions that had not failed and did not answer once the faults stopped. */
  readonly unanswered: readonly Unanswered[];
  readonly failedSessions: number;
  readonly notQuiet: ReadonlyArray<{ readonly sessionId: string; readonly state: string }>;
  readonly leftAfterStop: readonly AgentProcess[];
  readonly stopExitCode: number | null;
  readonly dir: string;
  readonly durationMs: number;
}

/** The breaker configuration of the storm, as settings and as the specification to check. */
export const STORM_BREAKER: BreakerSpec = {
  consecutiveFailureThreshold: 3,
  openDurationMs: 500,
  maxOpenDurationMs: 2_000,
  backoffMultiplier: 2,
  halfOpenMaxProbes: 1,
  halfOpenSuccessesToClose: 1,
};

const SETTINGS = [
  'agent.start_timeout=2s',
  'agent.stall_timeout=1s',
  'agent.turn_timeout=10s',
  'agent.kill_grace=300ms',
  'agent.interrupt_grace=300ms',
  'session_pool.max_size=30',
  'error_recovery.max_consecutive_failures=25',
  'error_recovery.recovery_timeout=10s',
  `error_recovery.circuit_breaker.consecutive_failure_threshold=${STORM_BREAKER.consecutiveFailureThreshold}`,
  // The failure-rate rule is put out of reach so that trips follow the consecutive-failure rule the check models.
  'error_recovery.circuit_breaker.minimum_calls=1000000',
  `error_recovery.circuit_breaker.open_duration=${STORM_BREAKER.openDurationMs}ms`,
  `error_recovery.circuit_breaker.max_open_duration=${STORM_BREAKER.maxOpenDurationMs}ms`,
  `error_recovery.circuit_breaker.backoff_multiplier=${STORM_BREAKER.backoffMultiplier}`,
  `error_recovery.circuit_breaker.half_open_max_probes=${STORM_BREAKER.halfOpenMaxProbes}`,
  `error_recovery.circuit_breaker.half_open_successes_to_close=${STORM_BREAKER.halfOpenSuccessesToClose}`,
  'error_recovery.retry.spawn_failure.base_delay=20ms',
  'error_recovery.retry.spawn_failure.max_delay=100ms',
  'error_recovery.retry.crash.base_delay=20ms',
  'error_recovery.retry.crash.max_delay=100ms',
  'error_recovery.retry.timeout.base_delay=20ms',
  'error_recovery.retry.timeout.max_delay=100ms',
];

/** Fault rates of each phase (see test/fixtures/fake-claude/README.md, "Random faults"). */
export const STORM_RATES = {
  storm: 'crash:0.06,hang:0.03,stall:0.03,garbage:0.05,exit:0.03,error:0.05,crash-on-start:0.2,hang-on-start:0.02',
  outage: 'crash:0.3,crash-on-start:1',
  apiOutage: 'api-error:1',
} as const;

const messageText = (clientMsgId: string): string => `storm ${clientMsgId}`;

/** Runs the scenario; never throws for a failed check (the report says), only for a broken environment. */
export async function runFaultStorm(options: StormOptions, keepDir = false): Promise<StormReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const random = new SeededRandom(options.seed);
  const dirs = scenarioDirs('storm');
  const ratesFile = join(dirs.root, 'fault-rates');
  const faultLog = join(dirs.root, 'faults.jsonl');
  const ledger = new MessageLedger();
  const owners = new Map<string, string>();
  let sends = 0;
  let reconnects = 0;
  let silentSends = 0;
  writeFileSync(ratesFile, '');
  const env = { FAKE_CLAUDE_FAULT_RATES: `file:${ratesFile}`, FAKE_CLAUDE_SEED: String(options.seed), FAKE_CLAUDE_FAULT_LOG: faultLog };
  const server = await startScenarioServer(dirs, SETTINGS, env);
  try {
    const health = monitorHealth(server.url, options.healthBoundMs);
    const addSessions = async (count: number, prefix: string): Promise<void> => {
      for (let i = 0; i < count; i += 1) {
        const userId = `${prefix}-${owners.size}`;
        owners.set(await createSession(server.url, userId), userId);
      }
    };
    await addSessions(options.sessions, 'storm');
    log(`fault-storm seed ${options.seed}: ${owners.size} sessions, storm ${options.stormMs} ms, outage ${options.outageMs} ms, store ${dirs.storeFile}`);

    // One client per session for the whole storm and outage; a client whose connection ends reconnects.
    let loadEnds = false;
    const clients = [...owners].map(async ([sessionId, userId], s) => {
      const clientRandom = random.fork();
      for (let connection = 0; !loadEnds; connection += 1) {
        if (connection > 0) reconnects += 1;
        const run = await runSender({ wsUrl: server.wsUrl, sessionId, userId, label: `s${s}`, ledger, random: clientRandom, pauseMs: [20, 150], text: messageText, stop: () => loadEnds });
        sends += run.sent;
        if (run.ended === 'timeout') silentSends += 1;
        if (run.ended === 'session closed') return;
        if (run.ended !== 'stopped') await sleep(100);
      }
    });

    writeFileSync(ratesFile, STORM_RATES.storm);
    await sleep(options.stormMs);
    writeFileSync(ratesFile, STORM_RATES.outage);
    log('fault-storm: spawn outage');
    // New sessions need new processes, whose starts all fail: the spawn breaker must trip and probe.
    const outageEnds = Date.now() + options.outageMs;
    while (Date.now() < outageEnds) {
      await addSessions(1, 'outage').catch(() => undefined);
      await sleep(Math.min(400, Math.max(0, outageEnds - Date.now())));
    }
    writeFileSync(ratesFile, STORM_RATES.apiOutage);
    log('fault-storm: API outage');
    await sleep(options.apiOutageMs);
    rmSync(ratesFile, { force: true });
    loadEnds = true;
    await Promise.all(clients);
    log('fault-storm: calm');
    await addSessions(1, 'calm');

    // A session that used up its tolerated failures is `failed`: it answers no more, and that is the contract.
    const states = await Promise.all([...owners].map(async ([sessionId, userId]) => [sessionId, await sessionState(server.url, sessionId, userId)] as const));
    const failed = new Set(states.filter(([, state]) => state === 'failed').map(([sessionId]) => sessionId));
    const notFailed = new Map([...owners].filter(([sessionId]) => !failed.has(sessionId)));
    const unanswered = await probeSessions(server.url, notFailed, ledger, 'calm', 20_000);
    const breakersClosed = await pollUntil(async () => (await breakerState(server.url, POOL_BREAKERS.spawn)) === 'closed' && (await breakerState(server.url, POOL_BREAKERS.api)) === 'closed', 10_000, 100);
    const notQuiet = await awaitQuiet(server.url, owners, 20_000);
    const healthReport = await health.stop();
    const histories = await readHistories(server.url, owners);
    const metrics = await stableMetrics(server.url);
    const samples = await metricSamples(server.url);
    const breakerStatus = { status: await breakerState(server.url, POOL_BREAKERS.spawn), metric: breakerMetric(samples, POOL_BREAKERS.spawn) };
    const apiBreakerStatus = { status: await breakerState(server.url, POOL_BREAKERS.api), metric: breakerMetric(samples, POOL_BREAKERS.api) };
    log(`fault-storm: breakers ${breakersClosed ? 'closed' : `not closed: ${breakerStatus.status}, ${apiBreakerStatus.status}`}; ${failed.size} sessions failed; health ${healthReport.requests} requests, slowest ${healthReport.slowest} ms`);

    const stopExitCode = await server.process.stop('SIGTERM');
    let leftAfterStop: AgentProcess[] = [];
    await pollUntil(() => (leftAfterStop = scenarioAgents(dirs.dataDir, owners.keys())).length === 0, 2_000);

    const storedLog = await readStoredLog(dirs.storeFile);
    const breakerStream = (name: string) => storedLog.filter((event) => event.stream === `${STREAM_PREFIX.breaker}${name}`);
    const stored = storedFigures(storedLog);
    const report: StormReport = {
      seed: options.seed,
      injected: countInjected(faultLog),
      messages: ledger.all().length,
      sends,
      reconnects,
      health: healthReport,
      breaker: checkBreakerStream(breakerStream(POOL_BREAKERS.spawn), STORM_BREAKER),
      breakerStatus,
      apiBreaker: checkBreakerStream(breakerStream(POOL_BREAKERS.api), STORM_BREAKER),
      apiBreakerStatus,
      silentSends,
      metrics,
      stored,
      mismatches: figureMismatches(metrics, stored.reported, 'stored (pool stream)'),
      sessionMismatches: figureMismatches(metrics, stored.fromSessions, 'session streams'),
      delivery: checkDelivery(ledger.all(), histories),
      turnEnds: checkTurnEnds(histories),
      unanswered,
      failedSessions: failed.size,
      notQuiet,
      leftAfterStop,
      stopExitCode,
      dir: dirs.root,
      durationMs: performance.now() - started,
    };
    log(`fault-storm seed ${options.seed}: injected ${JSON.stringify(report.injected)}; agent-spawn breaker trips ${report.breaker.trips}, re-opens ${report.breaker.reopens}, closes ${report.breaker.closes}; anthropic-api breaker trips ${report.apiBreaker.trips}, probes ${report.apiBreaker.probes}, closes ${report.apiBreaker.closes}; ${report.delivery.acked} acked; ${(report.durationMs / 1000).toFixed(1)} s`);
    return report;
  } finally {
    await server.process.stop('SIGKILL');
    killScenarioAgents(dirs.dataDir);
    if (!keepDir) dirs.remove();
  }
}

async function breakerState(base: string, name: string): Promise<string | null> {
  const response = await fetch(`${base}/api/v1/session-pool/status`, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
  if (response === null || !response.ok) return null;
  const body = (await response.json()) as { breakers?: Record<string, string> };
  return body.breakers?.[name] ?? null;
}

function breakerMetric(samples: ReadonlyMap<string, number>, name: string): string | null {
  for (const state of ['closed', 'open', 'halfOpen', 'isolated']) {
    if (samples.get(`aicli_circuit_breaker_state{breaker="${name}",state="${state}"}`) === 1) return state;
  }
  return null;
}

/** The recovery metrics once two reads 500 ms apart agree (the projections are off the ack path). */
async function stableMetrics(base: string): Promise<RecoveryFigures> {
  let previous = JSON.stringify(metricFigures(await metricSamples(base)));
  for (let i = 0; i < 20; i += 1) {
    await sleep(500);
    const current = metricFigures(await metricSamples(base));
    if (JSON.stringify(current) === previous) return current;
    previous = JSON.stringify(current);
  }
  return JSON.parse(previous) as RecoveryFigures;
}

function countInjected(faultLog: string): Record<string, number> {
  let text = '';
  try {
    text = readFileSync(faultLog, 'utf8');
  } catch {
    return {};
  }
  const counts: Record<string, number> = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const kind = (JSON.parse(line) as { fault: string }).fault;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}
