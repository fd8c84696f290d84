/**
 * WebSocket benchmark: 1,000 `ws` connections, each subscribed to one of K sessions (100 × 10 subscribers by
 * default), against the API server in a CHILD process (in-process agent, durable SQLite store): with 2 cores, a
 * server sharing its event loop with 1,000 clients would measure the clients' JSON parsing as server latency.
 * At a steady rate, a connection picked round-robin sends a `send` frame; per message it records
 * - round trip to the sender's `ack`,
 * - round trip to the sender's `MessageAccepted` event frame (the append, fanned out back to it),
 * - fan-out: from the first to the last of the session's subscribers receiving that `MessageAccepted` (the spread
 *   of one append's delivery), and from the `send` to the last subscriber,
 * as p50/p99/max against the target (ack round trip p99 ≤5 ms at 1,000 connections).
 * Run with `npx tsx bench/ws.ts [seconds]`; `BENCH_WS_CONNECTIONS=1000`, `BENCH_WS_SESSIONS=100`,
 * `BENCH_WS_RATE=200` (messages/s), `BENCH_DURABILITY=normal`, `BENCH_PROFILE=<dir>` for a V8 CPU profile of the
 * server over the measured run (`ws-<connections>-<durability>.cpuprofile`).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SESSION_PERSISTED_NAME } from '../machines/index.js';
import { CLIENT_FRAME, SERVER_FRAME } from '../src/server/ws/protocol.js';
import { connectBenchClient, spawnBenchApi, type BenchClient, type ReceivedFrame } from './support/api.js';
import { BENCH_DURABILITY, quantile } from './support/bench-pool.js';

const seconds = Number(process.argv[2] ?? '3');
const CONNECTIONS = Number(process.env['BENCH_WS_CONNECTIONS'] ?? '1000');
const SESSIONS = Number(process.env['BENCH_WS_SESSIONS'] ?? '100');
const RATE = Number(process.env['BENCH_WS_RATE'] ?? '200');
const PROFILE_DIR = process.env['BENCH_PROFILE'];
/** The measured run lasts at least this long, so that p99 stands on a few thousand messages. */
const MIN_SECONDS = 15;
const P99_TARGET_MS = 5;
/** Connections opened at once while connecting. */
const CONNECT_CONCURRENCY = 50;

/** One message in flight: when it was sent and what has come back. */
interface InFlight {
  readonly sentAt: number;
  readonly sessionId: string;
  ackAt?: number;
  acceptedAt?: number;
  firstFanOut?: number;
  lastFanOut?: number;
  fanOuts: number;
}

const duration = Math.max(seconds, MIN_SECONDS);
const server = await spawnBenchApi({ sessions: SESSIONS });
const clientLoop = monitorEventLoopDelay({ resolution: 1 });
const clients: Array<{ readonly client: BenchClient; readonly sessionId: string }> = [];
const inFlight = new Map<string, InFlight>();
/** The connection (index) that sent each `clientMsgId`. */
const owns = new Map<string, number>();
const subscribersOf = Math.ceil(CONNECTIONS / SESSIONS);
let errors = 0;

try {
  const connectStarted = performance.now();
  let next = 0;
  const connector = async (): Promise<void> => {
    while (next < CONNECTIONS) {
      const index = next++;
      const { sessionId, owner } = server.sessions[index % SESSIONS] as (typeof server.sessions)[number];
      const client = await connectBenchClient(server.wsUrl, owner);
      await client.subscribe(sessionId);
      clients[index] = { client, sessionId };
    }
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, connector));
  console.log(`load average ${loadavg().map((load) => load.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  console.log(
    `websocket, server in a child process (in-process agent, sqlite durability ${BENCH_DURABILITY}): ${CONNECTIONS} connections on ${SESSIONS} sessions` +
      ` (${subscribersOf} subscribers each), connected in ${((performance.now() - connectStarted) / 1000).toFixed(1)}s; ${RATE} messages/s for ${duration}s`,
  );

  for (const [index, { client }] of clients.entries()) {
    const onFrame = (frame: ReceivedFrame, at: number): void => {
      if (frame.type === SERVER_FRAME.error) {
        errors += 1;
        return;
      }
      if (frame.type === SERVER_FRAME.ack) {
        const flight = frame.clientMsgId === undefined ? undefined : inFlight.get(frame.clientMsgId);
        if (flight !== undefined) flight.ackAt = at;
        return;
      }
      if (frame.type !== SERVER_FRAME.event || frame.eventType !== SESSION_PERSISTED_NAME.MESSAGE_ACCEPTED) return;
      const clientMsgId = frame.data?.clientMsgId;
      const flight = clientMsgId === undefined ? undefined : inFlight.get(clientMsgId);
      if (flight === undefined) return;
      flight.fanOuts += 1;
      flight.firstFanOut ??= at;
      flight.lastFanOut = at;
      if (owns.get(clientMsgId as string) === index) flight.acceptedAt = at;
    };
    client.onFrame(onFrame);
  }

  if (PROFILE_DIR !== undefined) await server.profileStart();
  const cpuBefore = (await server.sample()).cpu;
  clientLoop.enable();
  const started = performance.now();
  const total = Math.round(RATE * duration);
  for (let sent = 0; sent < total; sent++) {
    const due = started + (sent * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const index = sent % CONNECTIONS;
    const { client, sessionId } = clients[index] as (typeof clients)[number];
    const clientMsgId = randomUUID();
    owns.set(clientMsgId, index);
    inFlight.set(clientMsgId, { sentAt: performance.now(), sessionId, fanOuts: 0 });
    client.send({ type: CLIENT_FRAME.send, session: sessionId, text: `message ${sent}`, clientMsgId });
  }
  const drainDeadline = performance.now() + 5_000;
  const complete = (flight: InFlight): boolean => flight.ackAt !== undefined && flight.fanOuts >= subscribersOf;
  while (performance.now() < drainDeadline && ![...inFlight.values()].every(complete)) await new Promise((resolve) => setTimeout(resolve, 20));
  const elapsed = (performance.now() - started) / 1000;
  const { cpu, loopDelay } = await server.sample();
  if (PROFILE_DIR !== undefined) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    await server.profileStop(join(PROFILE_DIR, `ws-${CONNECTIONS}-${BENCH_DURABILITY}.cpuprofile`));
  }
  clientLoop.disable();
  const cpuMicros = cpu.user - cpuBefore.user + (cpu.system - cpuBefore.system);

  const flights = [...inFlight.values()];
  const sorted = (values: Array<number | undefined>): number[] => values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  const ack = sorted(flights.map((f) => (f.ackAt === undefined ? undefined : f.ackAt - f.sentAt)));
  const accepted = sorted(flights.map((f) => (f.acceptedAt === undefined ? undefined : f.acceptedAt - f.sentAt)));
  const spread = sorted(flights.map((f) => (f.lastFanOut === undefined || f.firstFanOut === undefined ? undefined : f.lastFanOut - f.firstFanOut)));
  const toLast = sorted(flights.map((f) => (f.lastFanOut === undefined ? undefined : f.lastFanOut - f.sentAt)));
  const line = (name: string, values: number[]): string =>
    `${name.padEnd(34)} p50 ${quantile(values, 0.5).toFixed(2).padStart(7)} ms, p99 ${quantile(values, 0.99).toFixed(2).padStart(7)} ms, max ${(values.at(-1) ?? Number.NaN).toFixed(2).padStart(7)} ms (${values.length} messages)`;
  const p99 = quantile(ack, 0.99);
  console.log(`${line('ws round trip send→ack', ack)} target p99 ≤${P99_TARGET_MS} ms at ${CONNECTIONS} connections: ${p99 <= P99_TARGET_MS ? 'PASS' : 'FAIL'}`);
  console.log(line('ws round trip send→MessageAccepted', accepted));
  console.log(line(`ws fan-out spread (${subscribersOf} subscribers)`, spread));
  console.log(line('ws send→last subscriber', toLast));
  const incomplete = flights.filter((f) => !complete(f)).length;
  console.log(
    `  ${flights.length} messages in ${elapsed.toFixed(1)}s (${Math.round(flights.length / elapsed)}/s); server CPU ${Math.round(cpuMicros / Math.max(1, flights.length))} µs/message` +
      ` (user ${Math.round((cpu.user - cpuBefore.user) / Math.max(1, flights.length))}, system ${Math.round((cpu.system - cpuBefore.system) / Math.max(1, flights.length))})` +
      ` (${((cpuMicros / 1e6 / elapsed) * 100).toFixed(0)}% of a core); incomplete: ${incomplete}; error frames: ${errors}`,
  );
  const ms = (ns: number): string => (ns / 1e6).toFixed(1);
  console.log(
    `  event-loop delay: server p99 ${loopDelay?.p99Ms.toFixed(1) ?? '?'} ms, max ${loopDelay?.maxMs.toFixed(1) ?? '?'} ms;` +
      ` clients p99 ${ms(clientLoop.percentile(99))} ms, max ${ms(clientLoop.max)} ms (a stall on either side shows in the round trips)`,
  );
} finally {
  await Promise.all(clients.map(({ client }) => client.close()));
  await server.close();
}
