/**
 * End-to-end message benchmark: N sessions over the in-process agent (the agent costs nothing) and a durable SQLite
 * store, each with one client loop that sends a message and waits for its turn's `TurnCompleted` to be appended
 * (1 `MessageAccepted` + 1 `AgentOutputReceived` + 1 `TurnCompleted` per message with the in-process agent, each a
 * durable append) before sending the next. Two drivers:
 * - `pool`: `pool.send` in the server's own process (API server, hub and projections running, as in production);
 *   completion seen on the pool's commit notices. CPU is the whole process's, driver loops included: nothing is
 *   subtracted.
 * - `ws`: the API server in a child process (`bench/support/api.ts`), one `ws` connection per session subscribed to
 *   it, `send` frames; a message counts on its `ack` plus its turn's `TurnCompleted` event frame. CPU is the
 *   server process's alone.
 * - `bare`: as `pool` but the pool alone, without the API server, hub and projections (their cost is the difference);
 *   `BENCH_WEBHOOKS=idle|turns` adds a webhook dispatcher (`support/webhooks.ts`).
 * - `agent`: as `ws` with 20 sessions (`BENCH_AGENT_SESSIONS`) for `BENCH_AGENT_SECONDS` (default 20), first over
 *   the in-process agent, then with the fake claude as real child processes (stdout lines parsed, stdin written,
 *   partial messages on), as production runs: server CPU per message (and, apart, the fake claude processes' CPU
 *   from `/proc`), messages/s and send→TurnCompleted latency (target ≤200 µs server CPU per message). Full
 *   durability only (left out of the `normal` rerun).
 * Each `ws` run is preceded by a raw uWebSockets.js echo (`support/raw-uws.ts`: JSON parse + one JSON reply) driven
 * the same way by as many client loops, so the WS figure is also printed as a multiple of it (target ≤6×).
 * Reports messages/s, appends/s and server CPU µs per message against the targets (≥10,000 messages/s, ≤100 µs).
 * Run with `npx tsx bench/messages.ts [seconds]`; `BENCH_MESSAGES_SESSIONS=64,256`, `BENCH_MESSAGES_VIA=bare,pool,ws`,
 * `BENCH_DURABILITY=full|normal` (unset: full, then the same again with normal in a child process), and `BENCH_PROFILE=<dir>` to write a V8 CPU profile of the server over each measured
 * window (`messages-<via>-<sessions>-<durability>.cpuprofile`). After the 256-session WS figure (full durability) a
 * separate 3 s profiled run prints where the server's CPU goes, component by component (`support/cpu-breakdown.ts`;
 * `BENCH_BREAKDOWN=0` skips it).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESSION_PERSISTED_NAME } from '../machines/index.js';
import { CLIENT_FRAME, SERVER_FRAME } from '../src/server/ws/protocol.js';
import type { SessionPool } from '../src/pool/index.js';
import type { EventStore } from '../src/store/index.js';
import { cpuBreakdown, formatBreakdown, type CpuProfile } from './support/cpu-breakdown.js';
import { reportFigure } from './support/figures.js';
import { Histogram } from './support/histogram.js';
import { cpuBetween, descendantsCpu } from './support/proc-cpu.js';
import { spawnRawUws } from './support/raw-uws.js';
import {
  benchApiOverrides,
  connectBenchClient,
  openFrameSocket,
  createReadySessions,
  sampleServer,
  spawnBenchApi,
  startBenchApi,
  windowProfiler,
  type BenchClient,
  type BenchSession,
  type FrameSocket,
  type ServerSample,
} from './support/api.js';
import { BENCH_DURABILITY, openBenchPool, type BenchAgent } from './support/bench-pool.js';
import { BENCH_WEBHOOKS, benchWebhooks } from './support/webhooks.js';

const seconds = Number(process.argv[2] ?? '3');
const SIZES = (process.env['BENCH_MESSAGES_SESSIONS'] ?? '64,256').split(',').filter(Boolean).map(Number);
const VIA = (process.env['BENCH_MESSAGES_VIA'] ?? 'bare,pool,ws,agent').split(',').filter(Boolean);
const AGENT_SESSIONS = Number(process.env['BENCH_AGENT_SESSIONS'] ?? '20');
const AGENT_SECONDS = Number(process.env['BENCH_AGENT_SECONDS'] ?? '20');
const AGENT_CPU_TARGET_US = 200;
const MULTIPLE_TARGET = 6;
/** The session count of the table's WS figure (issue 12: 256 sessions, durable appends). */
const TABLE_SESSIONS = 256;
const PROFILE_DIR = process.env['BENCH_PROFILE'];
if (PROFILE_DIR !== undefined) mkdirSync(PROFILE_DIR, { recursive: true });
/** Whether the WS figure is followed by the profile of where its CPU goes (`BENCH_BREAKDOWN=0` leaves it out). */
const BREAKDOWN = process.env['BENCH_BREAKDOWN'] !== '0';
const BREAKDOWN_SECONDS = 3;
const MESSAGES_TARGET_PER_SECOND = 10_000;
const CPU_TARGET_US = 100;
/** Messages sent before the measured window, so the first turns (JIT, caches) do not count. */
const WARMUP_SECONDS = 0.5;

/** What one measured run counted. */
interface Tally {
  readonly messages: number;
  /** Appends to the message's own session stream. */
  readonly appends: number;
  /** Appends to every stream in the window (the store head's advance): the breaker's stream too. */
  readonly allAppends: number;
  readonly elapsedSeconds: number;
  readonly cpuMicros: number;
  readonly failures: number;
}

function report(via: string, sessions: number, tally: Tally, cpuWhose: string): void {
  const rate = tally.messages / tally.elapsedSeconds;
  const perMessage = tally.cpuMicros / Math.max(1, tally.messages);
  const verdict = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');
  console.log(
    `messages ${via.padEnd(4)} ${String(sessions).padStart(4)} sessions: ${Math.round(rate).toLocaleString('en-US').padStart(6)} messages/s` +
      ` (target ≥${MESSAGES_TARGET_PER_SECOND.toLocaleString('en-US')}: ${verdict(rate >= MESSAGES_TARGET_PER_SECOND)}),` +
      ` ${Math.round(tally.allAppends / tally.elapsedSeconds).toLocaleString('en-US')} appends/s (${(tally.allAppends / Math.max(1, tally.messages)).toFixed(2)}/message, ${(tally.appends / Math.max(1, tally.messages)).toFixed(2)} to its session),` +
      ` ${Math.round(perMessage)} µs CPU/message (target ≤${CPU_TARGET_US}: ${verdict(perMessage <= CPU_TARGET_US)}; ${cpuWhose})`,
  );
  console.log(`  ${tally.messages} messages in ${tally.elapsedSeconds.toFixed(1)}s; failures: ${tally.failures}`);
}

/** Runs `loop` for every session until the deadline; counts only what completes inside the measured window. */
async function measure(
  seconds: number,
  sessions: number,
  sample: () => Promise<ServerSample>,
  profile: { start(): Promise<void>; stop(path: string): Promise<void> } | null,
  profileName: string,
  loop: (index: number, counting: () => boolean) => Promise<{ messages: number; appends: number; failures: number }>,
): Promise<Tally> {
  const startAt = performance.now() + WARMUP_SECONDS * 1000;
  const endAt = startAt + seconds * 1000;
  let before: ServerSample | undefined;
  let after: ServerSample | undefined;
  const window = (async () => {
    await new Promise((resolve) => setTimeout(resolve, startAt - performance.now()));
    await profile?.start();
    before = await sample();
    await new Promise((resolve) => setTimeout(resolve, endAt - performance.now()));
    after = await sample();
    await profile?.stop(join(PROFILE_DIR ?? tmpdir(), `${profileName}.cpuprofile`));
  })();
  const counting = (): boolean => {
    const now = performance.now();
    return now >= startAt && now < endAt;
  };
  const results = await Promise.all(Array.from({ length: sessions }, (_, index) => loop(index, counting)));
  await window;
  const cpu = (after?.cpu.user ?? 0) - (before?.cpu.user ?? 0) + (after?.cpu.system ?? 0) - (before?.cpu.system ?? 0);
  const allAppends = Number((after?.head ?? 0n) - (before?.head ?? 0n));
  const sum = (pick: (r: (typeof results)[number]) => number): number => results.reduce((total, r) => total + pick(r), 0);
  return { messages: sum((r) => r.messages), appends: sum((r) => r.appends), allAppends, failures: sum((r) => r.failures), elapsedSeconds: seconds, cpuMicros: cpu };
}

/** The pool alone (no API server, hub or projections): what the pool and store cost without their readers (and webhooks, with `BENCH_WEBHOOKS`). */
async function barePool(sessions: number): Promise<{ pool: SessionPool; store: EventStore; sessions: readonly BenchSession[]; close(): Promise<void> }> {
  const bench = await openBenchPool('in-process', benchApiOverrides({ sessions }));
  const stopWebhooks = await benchWebhooks(bench.store);
  const close = async (): Promise<void> => {
    await stopWebhooks();
    await bench.close();
  };
  return { pool: bench.pool, store: bench.store, sessions: await createReadySessions(bench.pool, sessions), close };
}

async function viaPool(sessions: number, bare: boolean): Promise<void> {
  const api = bare ? await barePool(sessions) : await startBenchApi({ sessions });
  const { pool } = api;
  const completed = new Map<string, () => void>();
  const appendsBySession = new Map<string, number>();
  const stop = pool.subscribe((notice) => {
    if (notice.kind !== 'commit') return;
    appendsBySession.set(notice.sessionId, (appendsBySession.get(notice.sessionId) ?? 0) + 1);
    const { event } = notice.commit;
    if (notice.commit.type !== SESSION_PERSISTED_NAME.TURN_COMPLETED || !('turnId' in event)) return;
    const resolve = completed.get(event.turnId);
    if (resolve === undefined) return;
    completed.delete(event.turnId);
    resolve();
  });
  try {
    const deadline = performance.now() + (WARMUP_SECONDS + seconds) * 1000;
    const tally = await measure(
      seconds,
      sessions,
      () => sampleServer(api.store),
      PROFILE_DIR === undefined ? null : windowProfiler(),
      `messages-${bare ? 'bare' : 'pool'}-${sessions}-${BENCH_DURABILITY}`,
      async (index, counting) => {
        const { sessionId, owner } = api.sessions[index] as (typeof api.sessions)[number];
        let messages = 0;
        let appends = 0;
        let failures = 0;
        while (performance.now() < deadline) {
          const turnId = randomUUID();
          const done = new Promise<void>((resolve) => completed.set(turnId, resolve));
          const before = appendsBySession.get(sessionId) ?? 0;
          const sent = await pool.send(sessionId, { userId: owner, text: `message ${messages}`, turnId });
          if (sent.isErr()) {
            completed.delete(turnId);
            failures += 1;
            continue;
          }
          await done;
          if (counting()) {
            messages += 1;
            appends += (appendsBySession.get(sessionId) ?? 0) - before;
          }
        }
        return { messages, appends, failures };
      },
    );
    if (bare) report('bare', sessions, tally, `pool and store alone, no API, hub or projections; webhooks ${BENCH_WEBHOOKS}; driver loops included`);
    else report('pool', sessions, tally, 'in-process server: API, hub, projections and the driver loops, nothing subtracted');
  } finally {
    stop();
    await api.close();
  }
}

/** Sends one message as a `send` frame; resolves when both its `ack` and its turn's `TurnCompleted` event arrived. */
function wsTurn(client: BenchClient, sessionId: string, text: string, state: { appends: number; failed: boolean }): Promise<void> {
  const clientMsgId = randomUUID();
  let turnId: string | undefined;
  const finished = new Set<string>();
  return new Promise((resolve) => {
    client.onFrame((frame) => {
      if (frame.type === SERVER_FRAME.event) {
        state.appends += 1;
        if (frame.eventType === SESSION_PERSISTED_NAME.TURN_COMPLETED && frame.data?.turnId !== undefined) finished.add(frame.data.turnId);
      } else if (frame.type === SERVER_FRAME.ack && frame.clientMsgId === clientMsgId) {
        turnId = frame.turnId;
      } else if (frame.type === SERVER_FRAME.error) {
        state.failed = true;
        return resolve();
      }
      if (turnId !== undefined && finished.has(turnId)) resolve();
    });
    client.send({ type: CLIENT_FRAME.send, session: sessionId, text, clientMsgId });
  });
}

/** What a WebSocket run measured: the tally, and each counted turn's send→TurnCompleted latency (µs). */
interface WsRun {
  readonly tally: Tally;
  readonly latency: Histogram;
  /** CPU (µs) of the server's child processes (the agents) over the measured window. */
  readonly agentCpuMicros: number;
}

/** `sessions` WebSocket client loops against a server process over `agent`, for `duration` seconds. */
async function measureWebSocket(sessions: number, agent: BenchAgent, duration: number, profilePath?: string): Promise<WsRun> {
  const server = await spawnBenchApi({ sessions, agent });
  const clients: BenchClient[] = [];
  const latency = new Histogram();
  const pid = server.child.pid as number;
  let agentsBefore = new Map<number, number>();
  let agentsAfter = new Map<number, number>();
  let samples = 0;
  try {
    for (const { sessionId, owner } of server.sessions) {
      const client = await connectBenchClient(server.wsUrl, owner);
      await client.subscribe(sessionId);
      clients.push(client);
    }
    const deadline = performance.now() + (WARMUP_SECONDS + duration) * 1000;
    const tally = await measure(
      duration,
      sessions,
      async () => {
        const sample = await server.sample();
        // The first call opens the window, the second closes it.
        if (samples++ === 0) agentsBefore = descendantsCpu(pid);
        else agentsAfter = descendantsCpu(pid);
        return sample;
      },
      PROFILE_DIR === undefined && profilePath === undefined ? null : { start: () => server.profileStart(), stop: (path) => server.profileStop(profilePath ?? path) },
      `messages-ws-${agent}-${sessions}-${BENCH_DURABILITY}`,
      async (index, counting) => {
        const client = clients[index] as BenchClient;
        const { sessionId } = server.sessions[index] as (typeof server.sessions)[number];
        let messages = 0;
        let appends = 0;
        let failures = 0;
        while (performance.now() < deadline) {
          const state = { appends: 0, failed: false };
          const sentAt = performance.now();
          await wsTurn(client, sessionId, `message ${messages}`, state);
          if (state.failed) failures += 1;
          else if (counting()) {
            latency.record((performance.now() - sentAt) * 1000);
            messages += 1;
            appends += state.appends;
          }
        }
        return { messages, appends, failures };
      },
    );
    return { tally, latency, agentCpuMicros: agentsAfter.size === 0 ? 0 : cpuBetween(agentsBefore, agentsAfter) };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await server.close();
  }
}

/** Sends one frame to the raw server and resolves on its reply. */
function echoTurn(socket: FrameSocket, text: string): Promise<void> {
  const clientMsgId = randomUUID();
  return new Promise((resolve) => {
    socket.onFrame((frame) => {
      if (frame.clientMsgId === clientMsgId) resolve();
    });
    socket.send({ type: CLIENT_FRAME.send, session: 'echo', text, clientMsgId });
  });
}

/** The raw limit: `clients` loops of send → reply against a minimal uWS server (JSON parse + one JSON reply). */
async function rawEcho(clients: number): Promise<Tally> {
  const raw = await spawnRawUws();
  const sockets: FrameSocket[] = [];
  try {
    for (let i = 0; i < clients; i++) sockets.push(await openFrameSocket(raw.wsUrl));
    const deadline = performance.now() + (WARMUP_SECONDS + seconds) * 1000;
    const sample = (): Promise<ServerSample> => Promise.resolve({ cpu: { user: raw.cpuMicros(), system: 0 }, head: 0n, loopDelay: null });
    const tally = await measure(seconds, clients, sample, null, '', async (index, counting) => {
      const socket = sockets[index] as FrameSocket;
      let messages = 0;
      while (performance.now() < deadline) {
        await echoTurn(socket, `message ${messages}`);
        if (counting()) messages += 1;
      }
      return { messages, appends: 0, failures: 0 };
    });
    console.log(
      `messages echo ${String(clients).padStart(4)} clients:  ${Math.round(tally.messages / tally.elapsedSeconds).toLocaleString('en-US').padStart(6)} messages/s,` +
        ` ${(tally.cpuMicros / Math.max(1, tally.messages)).toFixed(1)} µs CPU/message (raw uWebSockets.js echo in a child process: JSON parse + one JSON reply; CPU from /proc)`,
    );
    return tally;
  } finally {
    await Promise.all(sockets.map((socket) => socket.close()));
    await raw.close();
  }
}

async function viaWebSocket(sessions: number): Promise<void> {
  const echo = await rawEcho(sessions);
  const { tally } = await measureWebSocket(sessions, 'in-process', seconds);
  report('ws', sessions, tally, 'server process alone; clients in this process');
  const perMessage = tally.cpuMicros / Math.max(1, tally.messages);
  const echoPerMessage = echo.cpuMicros / Math.max(1, echo.messages);
  const multiple = perMessage / echoPerMessage;
  console.log(
    `  ws CPU/message = ${multiple.toFixed(1)}× the raw uWS echo's ${echoPerMessage.toFixed(1)} µs in the same run (target ≤${MULTIPLE_TARGET}×: ${multiple <= MULTIPLE_TARGET ? 'PASS' : 'FAIL'})`,
  );
  if (sessions !== TABLE_SESSIONS || BENCH_DURABILITY !== 'full') return;
  if (BREAKDOWN) await printBreakdown(sessions, perMessage);
  const rate = tally.messages / tally.elapsedSeconds;
  const echoRate = echo.messages / echo.elapsedSeconds;
  reportFigure({ id: 'ws.rate', value: rate, raw: echoRate, detail: `${tally.failures} failures; raw = uWS echo messages/s with as many client loops` });
  reportFigure({ id: 'ws.cpu', value: perMessage, raw: echoPerMessage });
  reportFigure({ id: 'ws.multiple', value: multiple, detail: `raw uWS echo ${echoPerMessage.toFixed(1)} µs/message in the same run` });
}

/**
 * The profile of what is left: a separate, shorter run of the same WS workload with the server's V8 profiler on
 * (the profiler's own cost stays out of the measured figure), printed as each component's share of the server's
 * CPU and its part of the measured CPU per message.
 */
async function printBreakdown(sessions: number, perMessage: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aicli-bench-profile-'));
  try {
    const path = join(dir, 'ws.cpuprofile');
    await measureWebSocket(sessions, 'in-process', Math.min(seconds, BREAKDOWN_SECONDS), path);
    const shares = cpuBreakdown(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile);
    console.log(`  where the server CPU goes (ws, ${sessions} sessions; V8 profile of a separate ${Math.min(seconds, BREAKDOWN_SECONDS)}s run, main thread; µs scaled to the ${Math.round(perMessage)} µs measured above):`);
    for (const line of formatBreakdown(shares, perMessage)) console.log(line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The agent path: the same WebSocket loop with 20 sessions, in-process agent then fake claude child processes. */
async function viaAgentPath(): Promise<void> {
  const runs: Array<[BenchAgent, WsRun]> = [];
  for (const agent of ['in-process', 'fake-claude'] as const) runs.push([agent, await measureWebSocket(AGENT_SESSIONS, agent, AGENT_SECONDS)]);
  for (const [agent, { tally, latency, agentCpuMicros }] of runs) {
    const perMessage = tally.cpuMicros / Math.max(1, tally.messages);
    const verdict = agent === 'fake-claude' ? ` (target ≤${AGENT_CPU_TARGET_US}: ${perMessage <= AGENT_CPU_TARGET_US ? 'PASS' : 'FAIL'})` : '';
    const ms = (micros: number): string => (micros / 1000).toFixed(2);
    console.log(
      `messages agent ${agent.padEnd(11)} ${AGENT_SESSIONS} sessions: ${Math.round(tally.messages / tally.elapsedSeconds).toLocaleString('en-US').padStart(6)} messages/s,` +
        ` ${Math.round(perMessage)} µs server CPU/message${verdict}, ${(tally.appends / Math.max(1, tally.messages)).toFixed(2)} session events/message` +
        (agent === 'fake-claude' ? `, fake claude processes ${Math.round(agentCpuMicros / Math.max(1, tally.messages))} µs/message` : '') +
        `; send→TurnCompleted p50 ${ms(latency.quantile(0.5))} ms, p99 ${ms(latency.quantile(0.99))} ms, mean ${ms(latency.mean)} ms`,
    );
    console.log(`  ${tally.messages} messages in ${tally.elapsedSeconds.toFixed(1)}s; failures: ${tally.failures}`);
  }
  const [, inProcess] = runs[0] as [BenchAgent, WsRun];
  const [, claude] = runs[1] as [BenchAgent, WsRun];
  const inProcessPerMessage = inProcess.tally.cpuMicros / Math.max(1, inProcess.tally.messages);
  const messages = Math.max(1, claude.tally.messages);
  const detail = `in-process agent, same ${AGENT_SESSIONS} clients: ${Math.round(inProcessPerMessage)} µs; ${claude.tally.failures} failures; ${AGENT_SECONDS}s`;
  reportFigure({ id: 'agent.cpu', value: claude.tally.cpuMicros / messages, detail });
  reportFigure({ id: 'agent.children', value: claude.agentCpuMicros / messages, detail: 'from /proc, the server\'s descendants' });
  reportFigure({ id: 'agent.rate', value: claude.tally.messages / claude.tally.elapsedSeconds, detail: `in-process agent: ${Math.round(inProcess.tally.messages / inProcess.tally.elapsedSeconds).toLocaleString('en-US')}/s` });
  reportFigure({ id: 'agent.p50', value: claude.latency.quantile(0.5) / 1000, detail: `p99 ${(claude.latency.quantile(0.99) / 1000).toFixed(2)} ms` });
  reportFigure({ id: 'agent.mean', value: claude.latency.mean / 1000 });
}

console.log(`load average ${loadavg().map((load) => load.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
console.log(`messages end to end, in-process agent, sqlite store (durability ${BENCH_DURABILITY}), ${seconds}s per run after ${WARMUP_SECONDS}s warm-up; one client loop per session`);
for (const via of VIA) {
  if (via === 'agent') {
    if (BENCH_DURABILITY === 'full') await viaAgentPath();
    continue;
  }
  for (const sessions of SIZES) {
    if (via === 'pool' || via === 'bare') await viaPool(sessions, via === 'bare');
    else if (via === 'ws') await viaWebSocket(sessions);
    else throw new Error(`unknown BENCH_MESSAGES_VIA ${via} (pool, bare, ws, agent)`);
  }
}

if (process.env['BENCH_DURABILITY'] === undefined) {
  // The durability is fixed when bench-pool.ts is imported: the normal run is a child process of its own.
  const rerun = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, BENCH_DURABILITY: 'normal' } });
  if (rerun.status !== 0) process.exitCode = rerun.status ?? 1;
}
