/**
 * WebSocket benchmark: 1,000 `ws` connections on 100 sessions (connection i says `hello` as the owner of session
 * i mod 100) against the API server in a CHILD process (in-process agent, durable SQLite store): with 2 cores, a
 * server sharing its event loop with 1,000 clients would measure the clients' JSON parsing as server latency.
 * Server CPU is the child's `process.cpuUsage()`. Three parts, on the same server and connections, run in the
 * order 2, 1, 3 (the cost runs first, on a server without backlog, after a 2 s warm-up that does not count):
 * 1. Latency, open loop: at a fixed offered rate (`BENCH_WS_RATES`, default 1,000 and 5,000 messages/s), sends
 *    are scheduled by the clock, round-robin over the 1,000 connections, whatever the answers do; send→ack latency
 *    is measured from each message's SCHEDULED time (a stalled sender or server cannot hide its backlog: no
 *    coordinated omission) into a histogram (`support/histogram.ts`): p50/p99/p999/max against the target (p99
 *    ≤5 ms). One subscriber per session meanwhile (`BENCH_WS_LATENCY_SUBSCRIBERS`), so events are fanned out while
 *    the client process can still read everything. A message refused (an `error` frame, e.g. the session's queue is
 *    full) is counted apart; one unanswered 10 s after the last send counts as unacked, at its wait so far.
 * 2. Fan-out cost: the same open loop at a low fixed rate (`BENCH_WS_FANOUT_RATE`, 200/s), alternately with 1 and
 *    10 subscribers per session (the other 900 connections subscribe and unsubscribe): the same messages, so the
 *    appends cancel out and the growth of server CPU over the growth of deliveries (event frames received) is the
 *    CPU per extra delivery; the median of `BENCH_WS_FANOUT_PAIRS` (3) pairs, with their range.
 * 3. Fan-out throughput: one sender per session in a closed loop (send, wait for its ack and its turn's
 *    `TurnCompleted`, send again) with 10 subscribers per session: deliveries/s. Beside it the same closed loop
 *    against a raw uWebSockets.js server (`support/raw-uws.ts`: one frame serialised once and `publish`ed to a topic
 *    of 10 subscribers), the raw limit of both figures.
 * Run with `npx tsx bench/ws.ts [seconds]` (fan-out runs last max(seconds, 5) s, latency runs
 * max(seconds, `BENCH_WS_MIN_SECONDS` = 10) s); `BENCH_WS_CONNECTIONS=1000`, `BENCH_WS_SESSIONS=100`,
 * `BENCH_DURABILITY=normal`, `BENCH_PROFILE=<dir>` for a V8 CPU profile of the server over the whole run
 * (`ws-<connections>-<durability>.cpuprofile`).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SESSION_PERSISTED_NAME } from '../machines/index.js';
import { CLIENT_FRAME, SERVER_FRAME } from '../src/server/ws/protocol.js';
import { connectBenchClient, openFrameSocket, spawnBenchApi, type BenchApiProcess, type BenchClient, type FrameSocket, type ReceivedFrame } from './support/api.js';
import { BENCH_DURABILITY } from './support/bench-pool.js';
import { reportFigure } from './support/figures.js';
import { Histogram } from './support/histogram.js';
import { spawnRawUws } from './support/raw-uws.js';

const seconds = Number(process.argv[2] ?? '3');
const CONNECTIONS = Number(process.env['BENCH_WS_CONNECTIONS'] ?? '1000');
const SESSIONS = Number(process.env['BENCH_WS_SESSIONS'] ?? '100');
const RATES = (process.env['BENCH_WS_RATES'] ?? '1000,5000').split(',').filter(Boolean).map(Number);
const LATENCY_SUBSCRIBERS = Number(process.env['BENCH_WS_LATENCY_SUBSCRIBERS'] ?? '1');
const PROFILE_DIR = process.env['BENCH_PROFILE'];
const FANOUT_SECONDS = Math.max(seconds, 5);
const LATENCY_SECONDS = Math.max(seconds, Number(process.env['BENCH_WS_MIN_SECONDS'] ?? '10'));
const WARMUP_SECONDS = 0.5;
/** Offered rate of the fan-out cost runs: well below what the server sustains, so both runs do the same work. */
const FANOUT_RATE = Number(process.env['BENCH_WS_FANOUT_RATE'] ?? '200');
/** Pairs of (1 subscriber, 10 subscribers) fan-out cost runs, alternated so that a change in load hits both. */
const FANOUT_PAIRS = Number(process.env['BENCH_WS_FANOUT_PAIRS'] ?? '3');
/** Whether the fan-out cost is also measured on a server fanning out with a per-socket `send` loop (`AICLI_WS_FAN_OUT=send-loop`). */
const COMPARE_LOOP = process.env['BENCH_WS_COMPARE_LOOP'] !== '0';
/** The warm-up before the fan-out cost runs (JIT, caches), not counted. */
const WARMUP_RUN_SECONDS = 2;
/** Pause after a run, for the last events to arrive and queued turns to finish. */
const SETTLE_MS = 1_000;
const P99_TARGET_MS = 5;
/** How long unanswered messages are waited for after the last scheduled send. */
const DRAIN_MS = 10_000;
/** A closed-loop turn not ended in this long is given up (counted). */
const TURN_TIMEOUT_MS = 10_000;
/** Connections opened at once: below the server's per-address cap on connections that have not said hello (32). */
const CONNECT_CONCURRENCY = 16;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (value: number): string => Math.round(value).toLocaleString('en-US');

/** Runs `open(i)` for i in [from, to) with {@link CONNECT_CONCURRENCY} in flight. */
async function forEachConcurrently(from: number, to: number, open: (index: number) => Promise<void>): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) await open(next++);
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
}

/** A closed-loop sender's turn in progress: resolved once both its ack and its `TurnCompleted` arrived. */
interface Turn {
  readonly clientMsgId: string;
  turnId?: string;
  readonly resolve: () => void;
}

/** An open-loop message: when it was due, for the latency from the schedule. */
interface Scheduled {
  readonly dueAt: number;
}

/** Everything the frame listeners feed. */
const state = {
  counting: false,
  deliveries: 0,
  errors: 0,
  /** By sender (session index): its turn in progress and the turns it saw complete before their ack. */
  turns: new Map<number, Turn>(),
  completed: new Map<number, Set<string>>(),
  scheduled: new Map<string, Scheduled>(),
  latency: new Histogram(),
  refused: 0,
  unsubscribed: 0,
};

function onFrame(index: number, frame: ReceivedFrame, at: number): void {
  if (frame.type === SERVER_FRAME.unsubscribed) state.unsubscribed += 1;
  if (frame.type === SERVER_FRAME.event) {
    if (state.counting) state.deliveries += 1;
    const turnId = frame.data?.turnId;
    if (index >= SESSIONS || frame.eventType !== SESSION_PERSISTED_NAME.TURN_COMPLETED || turnId === undefined) return;
    const turn = state.turns.get(index);
    if (turn !== undefined && turn.turnId === turnId) turn.resolve();
    else state.completed.get(index)?.add(turnId);
    return;
  }
  if (frame.type === SERVER_FRAME.ack && frame.clientMsgId !== undefined) {
    const scheduled = state.scheduled.get(frame.clientMsgId);
    if (scheduled !== undefined) {
      state.scheduled.delete(frame.clientMsgId);
      state.latency.record((at - scheduled.dueAt) * 1000);
      return;
    }
    const turn = state.turns.get(index);
    if (turn === undefined || turn.clientMsgId !== frame.clientMsgId || frame.turnId === undefined) return;
    turn.turnId = frame.turnId;
    if (state.completed.get(index)?.delete(frame.turnId) === true) turn.resolve();
    return;
  }
  if (frame.type === SERVER_FRAME.error) {
    state.errors += 1;
    const { ref } = frame;
    if (ref !== undefined && state.scheduled.delete(ref)) state.refused += 1;
    else state.turns.get(index)?.resolve();
  }
}

/** A server and its connections: the server under test, and the same server fanning out with a per-socket send loop. */
interface Rig {
  readonly name: string;
  readonly server: BenchApiProcess;
  readonly clients: BenchClient[];
  subscribedPerSession: number;
}

const topicRig: Rig = { name: 'uWS topics', server: await spawnBenchApi({ sessions: SESSIONS }), clients: [], subscribedPerSession: 0 };
const loopRig: Rig | null = COMPARE_LOOP
  ? { name: 'per-socket send loop', server: await spawnBenchApi({ sessions: SESSIONS }, [], { AICLI_WS_FAN_OUT: 'send-loop' }), clients: [], subscribedPerSession: 0 }
  : null;
/** The rig the runs drive (the loop rig only for the fan-out cost comparison). */
let rig: Rig = topicRig;
const clientLoop = monitorEventLoopDelay({ resolution: 1 });
let profiling = false;

/** Server CPU (µs) and event-loop delay since the previous sample. */
async function serverCpu(): Promise<{ readonly micros: number; readonly loop: string }> {
  const { cpu, loopDelay } = await rig.server.sample();
  return { micros: cpu.user + cpu.system, loop: `server event-loop p99 ${loopDelay?.p99Ms.toFixed(1) ?? '?'} ms, max ${loopDelay?.maxMs.toFixed(1) ?? '?'} ms` };
}

/** One closed-loop fan-out run: a sender per session for {@link FANOUT_SECONDS}; messages, deliveries and CPU in the window. */
async function fanOutRun(subscribers: number): Promise<{ messages: number; deliveries: number; cpuMicros: number; elapsed: number }> {
  const startAt = performance.now() + WARMUP_SECONDS * 1000;
  const endAt = startAt + FANOUT_SECONDS * 1000;
  let messages = 0;
  let timedOut = 0;
  let cpuBefore = 0;
  let cpuAfter = 0;
  const window = (async () => {
    await sleep(startAt - performance.now());
    cpuBefore = (await serverCpu()).micros;
    state.deliveries = 0;
    state.counting = true;
    await sleep(endAt - performance.now());
    state.counting = false;
    cpuAfter = (await serverCpu()).micros;
  })();
  const sender = async (index: number): Promise<void> => {
    const client = rig.clients[index] as BenchClient;
    const session = rig.server.sessions[index]?.sessionId as string;
    state.completed.set(index, new Set());
    while (performance.now() < endAt) {
      const clientMsgId = randomUUID();
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        // A turn whose end never comes (a dropped connection) must not stop the run: given up after a while.
        timer = setTimeout(() => ((timedOut += 1), resolve()), TURN_TIMEOUT_MS);
        state.turns.set(index, { clientMsgId, resolve });
        client.send({ type: CLIENT_FRAME.send, session, text: `fan-out ${messages}`, clientMsgId });
      });
      clearTimeout(timer);
      state.turns.delete(index);
      const now = performance.now();
      if (now >= startAt && now < endAt) messages += 1;
    }
  };
  await Promise.all(Array.from({ length: SESSIONS }, (_, index) => sender(index)));
  await window;
  const result = { messages, deliveries: state.deliveries, cpuMicros: cpuAfter - cpuBefore, elapsed: FANOUT_SECONDS };
  console.log(
    `ws fan-out ${subscribers} subscriber${subscribers === 1 ? ' ' : 's'} per session: ${fmt(result.deliveries / result.elapsed).padStart(7)} deliveries/s,` +
      ` ${fmt(result.messages / result.elapsed)} messages/s (closed loop, ${SESSIONS} senders), server CPU ${(result.cpuMicros / Math.max(1, result.deliveries)).toFixed(1)} µs/delivery,` +
      ` ${fmt(result.cpuMicros / Math.max(1, result.messages))} µs/message (${(result.deliveries / Math.max(1, result.messages)).toFixed(1)} deliveries/message)` +
      `${timedOut === 0 ? '' : `; ${timedOut} turns given up after ${TURN_TIMEOUT_MS / 1000}s`}; connections closed by the server: ${rig.clients.filter((client) => client.socket.readyState !== client.socket.OPEN).length}`,
  );
  return result;
}

/** What one open-loop run measured. */
interface OpenLoop {
  readonly offered: number;
  readonly sendSeconds: number;
  readonly lateSends: number;
  readonly unacked: number;
  readonly refused: number;
  readonly errors: number;
  /** Event frames received by all connections from the first send until the last answer (and a settling pause). */
  readonly deliveries: number;
  readonly cpuMicros: number;
  readonly latency: Histogram;
  readonly serverLoop: string;
}

/**
 * Sends at `rate` messages/s for `duration` seconds, scheduled by the clock (round-robin over the connections,
 * whatever the answers do), then waits up to {@link DRAIN_MS} for the answers. Each ack's latency is taken from
 * the message's scheduled time; messages still unanswered count at their wait so far.
 */
async function openLoop(rate: number, duration: number): Promise<OpenLoop> {
  state.latency = new Histogram();
  state.scheduled.clear();
  state.refused = 0;
  const errorsBefore = state.errors;
  const total = Math.round(rate * duration);
  const cpuBefore = (await serverCpu()).micros;
  state.deliveries = 0;
  state.counting = true;
  const started = performance.now();
  let sent = 0;
  let lateSends = 0;
  while (sent < total) {
    const now = performance.now();
    for (let dueAt = started + (sent * 1000) / rate; sent < total && dueAt <= now; dueAt = started + (sent * 1000) / rate) {
      if (now - dueAt > 1) lateSends += 1;
      const index = sent % CONNECTIONS;
      const clientMsgId = randomUUID();
      state.scheduled.set(clientMsgId, { dueAt });
      (rig.clients[index] as BenchClient).send({ type: CLIENT_FRAME.send, session: rig.server.sessions[index % SESSIONS]?.sessionId, text: `message ${sent}`, clientMsgId, ref: clientMsgId });
      sent += 1;
    }
    const wait = started + (sent * 1000) / rate - performance.now();
    await (wait >= 1 ? sleep(wait) : new Promise((resolve) => setImmediate(resolve)));
  }
  const sendSeconds = (performance.now() - started) / 1000;
  const drainUntil = performance.now() + DRAIN_MS;
  while (state.scheduled.size > 0 && performance.now() < drainUntil) await sleep(10);
  const unacked = state.scheduled.size;
  const now = performance.now();
  for (const { dueAt } of state.scheduled.values()) state.latency.record((now - dueAt) * 1000);
  state.scheduled.clear();
  // The last turns' events follow their acks: let them arrive before the window closes.
  await sleep(SETTLE_MS);
  state.counting = false;
  const { micros: cpuAfter, loop } = await serverCpu();
  return {
    offered: total,
    sendSeconds,
    lateSends,
    unacked,
    refused: state.refused,
    errors: state.errors - errorsBefore,
    deliveries: state.deliveries,
    cpuMicros: cpuAfter - cpuBefore,
    latency: state.latency,
    serverLoop: loop,
  };
}

/** One latency run at `rate` messages/s for {@link LATENCY_SECONDS}: send→ack from the scheduled time. */
async function latencyRun(rate: number): Promise<void> {
  clientLoop.reset();
  clientLoop.enable();
  const run = await openLoop(rate, LATENCY_SECONDS);
  clientLoop.disable();
  const h = run.latency;
  const ms = (micros: number): string => (micros / 1000).toFixed(2);
  const p99 = h.quantile(0.99) / 1000;
  console.log(
    `ws round trip send→ack, open loop ${fmt(rate)}/s over ${fmt(CONNECTIONS)} connections: p50 ${ms(h.quantile(0.5))} ms, p99 ${ms(h.quantile(0.99))} ms,` +
      ` p999 ${ms(h.quantile(0.999))} ms, max ${ms(h.max)} ms (target p99 ≤${P99_TARGET_MS} ms: ${p99 <= P99_TARGET_MS ? 'PASS' : 'FAIL'})`,
  );
  console.log(
    `  ${fmt(run.offered)} messages offered in ${run.sendSeconds.toFixed(1)}s (${fmt(run.offered / run.sendSeconds)}/s; ${run.lateSends} sent >1 ms after their time), ${fmt(h.count - run.unacked)} acked,` +
      ` ${run.refused} refused, ${run.unacked} unacked after ${DRAIN_MS / 1000}s (counted at their wait so far); error frames ${run.errors};` +
      ` server CPU ${fmt(run.cpuMicros / Math.max(1, run.offered))} µs/message; ${run.serverLoop}; client event-loop p99 ${(clientLoop.percentile(99) / 1e6).toFixed(1)} ms`,
  );
  reportFigure({
    id: rate === 1000 ? 'latency.1000' : 'latency.5000',
    value: p99,
    detail: `p50 ${ms(h.quantile(0.5))}, p999 ${ms(h.quantile(0.999))}, max ${ms(h.max)} ms; ${run.refused} refused, ${run.unacked} unacked of ${fmt(run.offered)}; ${LATENCY_SUBSCRIBERS} subscriber/session; ${LATENCY_SECONDS}s`,
  });
}

/**
 * The server's CPU per extra delivery: open-loop runs at {@link FANOUT_RATE} messages/s, alternately with `few`
 * and `many` subscribers per session, the same messages in each so that the appends cancel out; each pair gives
 * (CPU with many − CPU with few) / (deliveries with many − deliveries with few), and the figure is the median of
 * {@link FANOUT_PAIRS} pairs (their range is printed: on a machine busy with other work it can be wide).
 */
async function fanOutCost(few: number, many: number, pairs = FANOUT_PAIRS): Promise<{ perDelivery: number; detail: string }> {
  const estimates: number[] = [];
  const perMessage: Record<number, number[]> = { [few]: [], [many]: [] };
  let deliveriesPerMessage: Record<number, number> = {};
  for (let pair = 0; pair < pairs; pair++) {
    const runs: Record<number, OpenLoop> = {};
    for (const subscribers of [few, many]) {
      await setSubscribers(subscribers);
      const run = await openLoop(FANOUT_RATE, FANOUT_SECONDS);
      runs[subscribers] = run;
      perMessage[subscribers]?.push(run.cpuMicros / Math.max(1, run.offered));
      console.log(
        `  fan-out cost run ${pair + 1}, ${String(subscribers).padStart(2)} subscriber${subscribers === 1 ? ' ' : 's'} per session: ${fmt(run.offered)} messages at ${FANOUT_RATE}/s,` +
          ` ${fmt(run.deliveries)} deliveries, server CPU ${fmt(run.cpuMicros / Math.max(1, run.offered))} µs/message; ${run.refused} refused, ${run.unacked} unacked`,
      );
    }
    const a = runs[few] as OpenLoop;
    const b = runs[many] as OpenLoop;
    estimates.push((b.cpuMicros - a.cpuMicros) / Math.max(1, b.deliveries - a.deliveries));
    deliveriesPerMessage = { [few]: a.deliveries / Math.max(1, a.offered), [many]: b.deliveries / Math.max(1, b.offered) };
  }
  const sorted = [...estimates].sort((x, y) => x - y);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] as number;
  const mean = (values: readonly number[]): string => fmt(values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length));
  return {
    perDelivery: median,
    detail:
      `median of ${estimates.length} pairs (range ${(sorted[0] as number).toFixed(1)} to ${(sorted.at(-1) as number).toFixed(1)} µs) of ${few}→${many} subscribers per session at ${FANOUT_RATE} messages/s:` +
      ` ${mean(perMessage[few] ?? [])}→${mean(perMessage[many] ?? [])} µs/message, ${(deliveriesPerMessage[few] ?? 0).toFixed(1)}→${(deliveriesPerMessage[many] ?? 0).toFixed(1)} deliveries/message`,
  };
}


/** Subscribes or unsubscribes connections so that each session has `subscribers` (the connections i < subscribers × sessions). */
async function setSubscribers(subscribers: number): Promise<void> {
  const want = Math.min(CONNECTIONS, SESSIONS * subscribers);
  const have = Math.min(CONNECTIONS, SESSIONS * rig.subscribedPerSession);
  if (want > have) {
    await forEachConcurrently(have, want, async (index) => {
      const client = rig.clients[index] as BenchClient;
      await client.subscribe(rig.server.sessions[index % SESSIONS]?.sessionId as string);
      client.onFrame((frame, at) => onFrame(index, frame, at));
    });
  } else if (want < have) {
    const target = state.unsubscribed + (have - want);
    for (let index = want; index < have; index++) (rig.clients[index] as BenchClient).send({ type: CLIENT_FRAME.unsubscribe, session: rig.server.sessions[index % SESSIONS]?.sessionId });
    const deadline = performance.now() + 30_000;
    while (state.unsubscribed < target && performance.now() < deadline) await sleep(10);
  }
  rig.subscribedPerSession = subscribers;
  await sleep(SETTLE_MS);
}

/** The raw limit of fan-out: the same closed loop against a raw uWS server publishing one frame per message to a topic. */
async function rawFanOut(subscribers: number): Promise<{ deliveries: number; cpuMicros: number; elapsed: number }> {
  const raw = await spawnRawUws();
  const sockets: FrameSocket[] = [];
  try {
    let deliveries = 0;
    let counting = false;
    const waiting = new Map<string, () => void>();
    await forEachConcurrently(0, SESSIONS * subscribers, async (index) => {
      const socket = await openFrameSocket(raw.wsUrl);
      sockets[index] = socket;
      await new Promise<void>((resolve) => {
        socket.onFrame((frame) => {
          if (frame.type === 'subscribed') resolve();
          if (frame.type !== SERVER_FRAME.event) return;
          if (counting) deliveries += 1;
          const id = frame.data?.clientMsgId;
          if (index < SESSIONS && id !== undefined) waiting.get(id)?.();
        });
        socket.send({ topic: `t${index % SESSIONS}`, subscribe: true });
      });
    });
    const startAt = performance.now() + WARMUP_SECONDS * 1000;
    const endAt = startAt + FANOUT_SECONDS * 1000;
    let cpuBefore = 0;
    let cpuAfter = 0;
    const window = (async () => {
      await sleep(startAt - performance.now());
      cpuBefore = raw.cpuMicros();
      counting = true;
      await sleep(endAt - performance.now());
      counting = false;
      cpuAfter = raw.cpuMicros();
    })();
    await Promise.all(
      Array.from({ length: SESSIONS }, async (_, index) => {
        while (performance.now() < endAt) {
          const clientMsgId = randomUUID();
          await new Promise<void>((resolve) => {
            waiting.set(clientMsgId, resolve);
            (sockets[index] as FrameSocket).send({ topic: `t${index}`, clientMsgId, text: 'fan-out' });
          });
          waiting.delete(clientMsgId);
        }
      }),
    );
    await window;
    const result = { deliveries, cpuMicros: cpuAfter - cpuBefore, elapsed: FANOUT_SECONDS };
    console.log(
      `ws fan-out raw uWS publish, ${subscribers} subscribers per topic: ${fmt(result.deliveries / result.elapsed).padStart(7)} deliveries/s,` +
        ` ${(result.cpuMicros / Math.max(1, result.deliveries)).toFixed(1)} µs/delivery (one frame serialised once per message and published; CPU from /proc)`,
    );
    return result;
  } finally {
    await Promise.all(sockets.map((socket) => socket.close()));
    await raw.close();
  }
}

/** Median of `values` (the lower middle one). */
const median = (values: readonly number[]): number => [...values].sort((x, y) => x - y)[Math.floor((values.length - 1) / 2)] as number;

/**
 * The fan-out cost on both rigs, pair by pair in turns (topics, loop, topics, …) so that a change in the machine's
 * load hits both: the median CPU per extra delivery of each, and the loop's over the topics'.
 */
async function compareFanOut(few: number, many: number, loop: Rig): Promise<{ topics: { perDelivery: number; detail: string }; loop: number }> {
  const estimates = new Map<Rig, number[]>([
    [topicRig, []],
    [loop, []],
  ]);
  let detail = '';
  for (let pair = 0; pair < FANOUT_PAIRS; pair++) {
    for (const each of [topicRig, loop]) {
      rig = each;
      console.log(`  ${each.name}:`);
      const cost = await fanOutCost(few, many, 1);
      estimates.get(each)?.push(cost.perDelivery);
      if (each === topicRig) detail = cost.detail;
    }
  }
  rig = topicRig;
  const topics = estimates.get(topicRig) ?? [];
  const range = (values: readonly number[]): string => `${Math.min(...values).toFixed(1)} to ${Math.max(...values).toFixed(1)} µs`;
  const loopMedian = median(estimates.get(loop) ?? []);
  console.log(
    `ws fan-out cost per extra delivery, ${CONNECTIONS} connections on ${SESSIONS} sessions: uWS topics ${median(topics).toFixed(1)} µs (range ${range(topics)}),` +
      ` per-socket send loop ${loopMedian.toFixed(1)} µs (range ${range(estimates.get(loop) ?? [])}): topics ${(loopMedian / median(topics)).toFixed(2)}× cheaper (medians of ${FANOUT_PAIRS} pairs each, in turns)`,
  );
  return { topics: { perDelivery: median(topics), detail: `median of ${topics.length} pairs (range ${range(topics)}); last pair: ${detail}` }, loop: loopMedian };
}

/** Opens {@link CONNECTIONS} connections to `each`'s server. */
async function connect(each: Rig): Promise<void> {
  await forEachConcurrently(0, CONNECTIONS, async (index) => {
    const client = await connectBenchClient(each.server.wsUrl, each.server.sessions[index % SESSIONS]?.owner as string);
    client.onFrame((frame, at) => onFrame(index, frame, at));
    each.clients[index] = client;
  });
}

/** Closes `each`'s connections and server. */
async function closeRig(each: Rig): Promise<void> {
  await Promise.all(each.clients.map((client) => client.close()));
  await each.server.close();
}

try {
  const connectStarted = performance.now();
  for (const each of loopRig === null ? [topicRig] : [topicRig, loopRig]) await connect(each);
  console.log(`load average ${loadavg().map((load) => load.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  console.log(
    `websocket, server in a child process (in-process agent, sqlite durability ${BENCH_DURABILITY}): ${CONNECTIONS} connections on ${SESSIONS} sessions,` +
      ` connected in ${((performance.now() - connectStarted) / 1000).toFixed(1)}s; fan-out runs ${FANOUT_SECONDS}s, latency runs ${LATENCY_SECONDS}s each`,
  );
  if (PROFILE_DIR !== undefined) {
    await rig.server.profileStart();
    profiling = true;
  }

  const subscribersOf = Math.floor(CONNECTIONS / SESSIONS);
  // The fan-out cost first, on a server with no backlog (after a warm-up run that does not count); then latency.
  for (const each of loopRig === null ? [topicRig] : [loopRig, topicRig]) {
    rig = each;
    await setSubscribers(1);
    await openLoop(FANOUT_RATE, WARMUP_RUN_SECONDS);
  }
  let cost: { perDelivery: number; detail: string };
  if (loopRig === null) cost = await fanOutCost(1, subscribersOf);
  else {
    const compared = await compareFanOut(1, subscribersOf, loopRig);
    cost = compared.topics;
    reportFigure({ id: 'fanout.vsLoop', value: compared.loop / compared.topics.perDelivery, detail: `per extra delivery: topics ${compared.topics.perDelivery.toFixed(1)} µs, send loop ${compared.loop.toFixed(1)} µs` });
    await closeRig(loopRig);
  }
  await setSubscribers(LATENCY_SUBSCRIBERS);
  for (const rate of RATES) await latencyRun(rate);
  await setSubscribers(subscribersOf);
  const many = await fanOutRun(subscribersOf);
  const raw = await rawFanOut(subscribersOf);
  const rawPerDelivery = raw.cpuMicros / Math.max(1, raw.deliveries);
  console.log(
    `ws fan-out cost: ${cost.perDelivery.toFixed(1)} µs of server CPU per extra delivery (${cost.detail}),` +
      ` ${(cost.perDelivery / rawPerDelivery).toFixed(1)}× the raw uWS publish's ${rawPerDelivery.toFixed(1)} µs`,
  );
  reportFigure({ id: 'fanout.rate', value: many.deliveries / many.elapsed, raw: raw.deliveries / raw.elapsed, detail: `${fmt(many.messages / many.elapsed)} messages/s closed loop, ${subscribersOf} subscribers each` });
  reportFigure({
    id: 'fanout.cpu',
    value: cost.perDelivery,
    raw: rawPerDelivery,
    detail: `${cost.detail}; all server CPU per delivery in the closed loop: ${(many.cpuMicros / Math.max(1, many.deliveries)).toFixed(1)} µs (appends included); raw = uWS topic publish`,
  });
} finally {
  if (profiling && PROFILE_DIR !== undefined) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    await rig.server.profileStop(join(PROFILE_DIR, `ws-${CONNECTIONS}-${BENCH_DURABILITY}.cpuprofile`));
  }
  await closeRig(topicRig);
  if (loopRig !== null && loopRig.server.child.exitCode === null) await closeRig(loopRig);
}
