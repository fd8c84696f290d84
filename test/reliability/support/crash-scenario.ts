/**
 * The crash-safety scenario, shared by `test/reliability/crash-safety.test.ts` and `bench/soak.ts`: the server as
 * a child process over a SQLite file; WebSocket clients send messages (several per session, each message until
 * acknowledged), and one more session stays idle; at a random moment of each round the server is killed with
 * SIGKILL and restarted on the same store and data directory. After each restart: no agent process of the killed server may survive the restart's
 * reaping, and every session must answer a new message. After the last round the clients resend what was never
 * acknowledged, and the histories are checked: every acknowledged message stored exactly once, every turn ended
 * by exactly one terminal event. Then a clean stop must leave no agent process.
 */
import { checkDelivery, MessageLedger, type DeliveryReport } from './message-ledger.js';
import { killScenarioAgents, scenarioAgents, type AgentProcess } from './agent-census.js';
import { createSession } from './api.js';
import { scenarioDirs, startScenarioServer, type ScenarioServer } from './scenario-server.js';
import { SeededRandom } from './seeded-random.js';
import { awaitQuiet, probeSessions, readHistories, type Unanswered } from './session-checks.js';
import { checkTurnEnds, type TurnEndViolation } from './turn-ends.js';
import { runSender, type SenderRun } from './ws-sender.js';
import { pollUntil, sleep } from './wait.js';

/** How the scenario runs. */
export interface CrashScenarioOptions {
  readonly seed: number;
  /** Kill-and-restart rounds. */
  readonly rounds: number;
  readonly sessions: number;
  readonly clientsPerSession: number;
  /** When in a round the server is killed, drawn from [min, max] ms after the clients start. */
  readonly killAfterMs: readonly [number, number];
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** What the scenario saw. */
export interface CrashScenarioReport {
  readonly seed: number;
  readonly rounds: number;
  readonly kills: number;
  /** Messages created, and sends (a resend counts again). */
  readonly messages: number;
  readonly sends: number;
  /** WebSocket connections opened after a kill. */
  readonly reconnects: number;
  readonly delivery: DeliveryReport;
  readonly turnEnds: readonly TurnEndViolation[];
  /** Sessions that did not answer a new message after a restart (round 0 = after the final resend). */
  readonly unanswered: ReadonlyArray<Unanswered & { readonly round: number }>;
  /** Sessions still busy when histories were read. */
  readonly notQuiet: ReadonlyArray<{ readonly sessionId: string; readonly state: string }>;
  /** Agent processes the killed server left running, summed over rounds (the restart must reap them). */
  readonly leftByKills: number;
  /** Agent processes alive after a restart that the new server does not own (its reaping missed them). */
  readonly orphans: ReadonlyArray<{ readonly round: number; readonly processes: readonly AgentProcess[] }>;
  /** Agent processes alive after the final clean stop. */
  readonly leftAfterStop: readonly AgentProcess[];
  readonly stopExitCode: number | null;
  /** Messages the clients never got acknowledged although they resent them (not a loss: never promised). */
  readonly neverAcked: number;
  readonly sessionIds: readonly string[];
  /** Where the store and data directory are (kept when `keepDir`). */
  readonly dir: string;
  readonly durationMs: number;
}

/** Server settings: short grace periods so kills and stops are quick. */
const SETTINGS = ['agent.kill_grace=500ms', 'agent.interrupt_grace=500ms', 'session_pool.max_size=20'];
/**
 * Agents that keep running when their stdin closes, as the CLI does while it waits on the API: a killed server
 * leaves every agent running, so each restart has orphans to reap.
 */
const AGENT_ENV = { FAKE_CLAUDE_FAULT: 'ignore-stdin-end' };
/** Long enough for a turn of `::slow 30` (a couple of 16-character chunks): a kill often lands mid-turn. */
const messageText = (clientMsgId: string): string => `crash-safety ${clientMsgId} ::slow 30`;

/** Runs the scenario; never throws for a failed check (the report says), only for a broken environment. */
export async function runCrashScenario(options: CrashScenarioOptions, keepDir = false): Promise<CrashScenarioReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const random = new SeededRandom(options.seed);
  const dirs = scenarioDirs('crash');
  const ledger = new MessageLedger();
  const owners = new Map<string, string>();
  const unanswered: Array<Unanswered & { round: number }> = [];
  const orphans: Array<{ round: number; processes: AgentProcess[] }> = [];
  let sends = 0;
  let reconnects = 0;
  let kills = 0;
  let leftByKills = 0;
  let server: ScenarioServer | undefined;
  try {
    server = await startScenarioServer(dirs, SETTINGS, AGENT_ENV);
    for (let i = 0; i < options.sessions; i += 1) {
      const userId = `owner-${i}`;
      owners.set(await createSession(server.url, userId), userId);
    }
    const loaded = [...owners];
    // One more session that only gets the probes: its agent is idle at every kill, so each kill leaves at least
    // one agent running for the restart to reap.
    owners.set(await createSession(server.url, 'idle-owner'), 'idle-owner');
    log(`crash-safety seed ${options.seed}: ${loaded.length} sessions × ${options.clientsPerSession} clients and an idle session, ${options.rounds} rounds, store ${dirs.storeFile}`);
    const clients = loaded.flatMap(([sessionId, userId], s) =>
      Array.from({ length: options.clientsPerSession }, (_, c) => ({ sessionId, userId, label: `s${s}c${c}`, random: random.fork() })),
    );
    const runClients = async (target: ScenarioServer, stop: () => boolean, resendOnly: boolean): Promise<SenderRun[]> => {
      const runs = await Promise.all(clients.map((client) => runSender({ ...client, wsUrl: target.wsUrl, ledger, pauseMs: [10, 120], text: messageText, stop, resendOnly })));
      sends += runs.reduce((sum, run) => sum + run.sent, 0);
      return runs;
    };

    for (let round = 1; round <= options.rounds; round += 1) {
      const current: ScenarioServer = server;
      let killed = false;
      const senders = runClients(current, () => killed, false);
      if (round > 1) reconnects += clients.length;
      const killAfter = random.int(options.killAfterMs[0], options.killAfterMs[1]);
      await sleep(killAfter);
      killed = true;
      await current.process.stop('SIGKILL');
      kills += 1;
      await senders;
      const left = scenarioAgents(dirs.dataDir, owners.keys()).length;
      leftByKills += left;
      server = await startScenarioServer(dirs, SETTINGS, AGENT_ENV);
      const strays = scenarioAgents(dirs.dataDir, owners.keys()).filter((agent) => agent.ppid !== server!.pid);
      if (strays.length > 0) orphans.push({ round, processes: strays });
      const silent = await probeSessions(server.url, owners, ledger, `probe${round}`, 15_000);
      unanswered.push(...silent.map((entry) => ({ ...entry, round })));
      log(`round ${round}: killed after ${killAfter} ms, leaving ${left} agents; ${ledger.acked} acked so far; ${strays.length} orphans after the restart; ${silent.length} silent sessions`);
    }

    // The clients reconnect once more and resend every message the killed servers never acknowledged.
    reconnects += clients.length;
    const deadline = Date.now() + 15_000;
    await runClients(server, () => Date.now() > deadline, true);
    const notQuiet = await awaitQuiet(server.url, owners, 20_000);
    const histories = await readHistories(server.url, owners);
    const delivery = checkDelivery(ledger.all(), histories);
    const turnEnds = checkTurnEnds(histories);

    const stopExitCode = await server.process.stop('SIGTERM');
    server = undefined;
    let leftAfterStop: AgentProcess[] = [];
    await pollUntil(() => (leftAfterStop = scenarioAgents(dirs.dataDir, owners.keys())).length === 0, 2_000);
    const report: CrashScenarioReport = {
      seed: options.seed,
      rounds: options.rounds,
      kills,
      messages: ledger.all().length,
      sends,
      reconnects,
      leftByKills,
      delivery,
      turnEnds,
      unanswered,
      notQuiet,
      orphans,
      leftAfterStop,
      stopExitCode,
      neverAcked: ledger.all().filter((m) => m.ackTurnIds.length === 0).length,
      sessionIds: [...owners.keys()],
      dir: dirs.root,
      durationMs: performance.now() - started,
    };
    log(`crash-safety seed ${options.seed}: ${delivery.acked} acked, ${delivery.lost.length} lost, ${delivery.duplicated.length} duplicated, ${turnEnds.length} turns without one terminal event, ${(report.durationMs / 1000).toFixed(1)} s`);
    return report;
  } finally {
    if (server !== undefined) await server.process.stop('SIGKILL');
    killScenarioAgents(dirs.dataDir);
    if (!keepDir) dirs.remove();
  }
}
