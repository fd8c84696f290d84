/**
 * Slow-reader benchmark (issue 11, defect 9): an `aicli-api` CHILD process (fake claude, memory store) with
 * N subscribers of one session that subscribe and then stop reading (their sockets paused), one live reader of the
 * same session, and a sender that sends the same long text S times, one turn after the other. Meanwhile it polls
 * `GET /api/v1/health` and samples the server's resident memory from `/proc/<pid>/status`. It prints
 * - RSS: at start, once the subscribers are connected, the peak during the sends, and the growth (target < +300 MB),
 * - health latency p50/p99/max during the sends (target p99 < 50 ms),
 * - the live reader's delay from each `send` to its `MessageAccepted` and `TurnCompleted` event frames,
 * - what the sender got back (acks, errors) and the connections the server dropped, by reason.
 * Never part of `npm test`. Run with `npx tsx bench/ws-slow-readers.ts`; `BENCH_SLOW_READERS=1000`,
 * `BENCH_TEXT_CHARS=90000`, `BENCH_SENDS=10`, `BENCH_MAX_BUFFERED=128KiB` (`web_interface.websocket.max_buffered`),
 * `BENCH_NODE_OPTIONS` for the server (e.g. `--import ./profile-preload.mjs` to profile it).
 * A turn starts when the previous one's TurnCompleted reached the live reader; a short warm-up turn (it starts the
 * agent process) is left out of the figures.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startServerProcess } from '../test/support/server-process.js';

const READERS = Number(process.env['BENCH_SLOW_READERS'] ?? '1000');
const TEXT_CHARS = Number(process.env['BENCH_TEXT_CHARS'] ?? '90000');
const SENDS = Number(process.env['BENCH_SENDS'] ?? '10');
/** Connections opened at once: below the server's per-address cap on connections that have not said hello. */
const CONNECT_CONCURRENCY = 16;
const TURN_TIMEOUT_MS = 120_000;
const WS_PATH = '/api/v1/ws';
const TENANT = 'bench';
const USER = 'owner';

type Frame = Record<string, unknown> & { readonly type: string };

/** The server's resident set size in MB, from `/proc`. */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? Number.NaN : Number(match[1]) / 1024;
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/** Opens a socket, says hello, subscribes to `session`; `onFrame` sees every frame after that. */
async function subscriber(wsUrl: string, session: string, onFrame: (frame: Frame) => void = () => undefined): Promise<WebSocket> {
  const socket = new WebSocket(`${wsUrl}${WS_PATH}`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
  });
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      if (frame.type === 'subscribed') resolve();
      else if (frame.type === 'error') reject(new Error(`${String(frame['code'])}: ${String(frame['message'])}`));
      onFrame(frame);
    });
    socket.send(JSON.stringify({ type: 'hello', userId: USER, tenant: TENANT }));
    socket.send(JSON.stringify({ type: 'subscribe', session }));
  });
  return socket;
}

const MAX_BUFFERED = process.env['BENCH_MAX_BUFFERED'];
const server = await startServerProcess([], {
  ...(process.env['BENCH_NODE_OPTIONS'] === undefined ? {} : { NODE_OPTIONS: process.env['BENCH_NODE_OPTIONS'] }),
  AICLI__WEB_INTERFACE__WEBSOCKET__MAX_CONNECTIONS: String(READERS + 100),
  ...(MAX_BUFFERED === undefined ? {} : { AICLI__WEB_INTERFACE__WEBSOCKET__MAX_BUFFERED: MAX_BUFFERED }),
});
const pid = server.child.pid as number;
const wsUrl = server.url.replace(/^http/, 'ws');
const sockets: WebSocket[] = [];
try {
  const rssStart = rssMb(pid);
  const created = await fetch(`${server.url}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': USER, 'x-tenant-id': TENANT },
    body: '{}',
  });
  if (created.status !== 201) throw new Error(`could not create a session: ${created.status} ${await created.text()}`);
  const session = ((await created.json()) as { session: { id: string } }).session.id;

  let next = 0;
  const connectStarted = performance.now();
  await Promise.all(
    Array.from({ length: CONNECT_CONCURRENCY }, async () => {
      while (next < READERS) {
        next++;
        const socket = await subscriber(wsUrl, session);
        (socket as unknown as { _socket: { pause(): void } })._socket.pause();
        sockets.push(socket);
      }
    }),
  );
  const connectSeconds = (performance.now() - connectStarted) / 1000;

  // The live reader notes when each turn's MessageAccepted and TurnCompleted reach it.
  const accepted = new Map<string, number>();
  const completed = new Map<string, number>();
  const turnOf = new Map<string, string>();
  let wake: () => void = () => undefined;
  const live = await subscriber(wsUrl, session, (frame) => {
    if (frame.type !== 'event') return;
    const data = frame['data'] as { turnId?: string; clientMsgId?: string } | undefined;
    if (frame['eventType'] === 'MessageAccepted' && data?.clientMsgId !== undefined) {
      accepted.set(data.clientMsgId, performance.now());
      if (data.turnId !== undefined) turnOf.set(data.turnId, data.clientMsgId);
    }
    if (frame['eventType'] === 'TurnCompleted' && data?.turnId !== undefined) {
      const clientMsgId = turnOf.get(data.turnId);
      if (clientMsgId !== undefined) completed.set(clientMsgId, performance.now());
      wake();
    }
  });
  sockets.push(live);
  const answers = new Map<string, number>();
  let errors = 0;
  const sender = await subscriber(wsUrl, session, (frame) => {
    if ((frame.type !== 'ack' && frame.type !== 'error') || frame['clientMsgId'] === 'slow--1') return;
    const key = frame.type === 'error' ? `error ${String(frame['code'])}` : 'ack';
    answers.set(key, (answers.get(key) ?? 0) + 1);
    if (frame.type === 'error') {
      errors++;
      wake();
    }
  });
  sockets.push(sender);
  const rssConnected = rssMb(pid);

  // Health polling and RSS sampling run while the sends go on.
  let sending = true;
  const health: number[] = [];
  const healthLoop = (async () => {
    while (sending) {
      const started = performance.now();
      const response = await fetch(`${server.url}/api/v1/health`);
      await response.arrayBuffer();
      health.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  let rssPeak = rssConnected;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(pid))), 20);

  const text = 'x'.repeat(TEXT_CHARS);
  const sentAt = new Map<string, number>();
  let sendsStarted = performance.now();
  // Turn -1 is a short warm-up (it starts the agent process) and is left out of the figures.
  for (let index = -1; index < SENDS; index++) {
    const clientMsgId = `slow-${index}`;
    if (index === 0) {
      health.length = 0;
      sendsStarted = performance.now();
    }
    const errorsBefore = errors;
    // A turn is over for the bench when the live reader saw its TurnCompleted, or the send was refused.
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, TURN_TIMEOUT_MS);
      wake = () => {
        if (!completed.has(clientMsgId) && errors === errorsBefore) return;
        clearTimeout(timer);
        resolve();
      };
    });
    if (index >= 0) sentAt.set(clientMsgId, performance.now());
    sender.send(JSON.stringify({ type: 'send', session, text: index < 0 ? 'warm up' : text, clientMsgId }));
    await done;
  }
  const sendSeconds = (performance.now() - sendsStarted) / 1000;
  sending = false;
  await healthLoop;
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, rssMb(pid));

  const delays = (times: Map<string, number>): number[] =>
    [...sentAt].flatMap(([id, at]) => (times.has(id) ? [(times.get(id) as number) - at] : [])).sort((a, b) => a - b);
  const acceptedDelays = delays(accepted);
  const completedDelays = delays(completed);
  const sortedHealth = [...health].sort((a, b) => a - b);
  // Paused sockets never read their close frame: the server's own counters say who was dropped.
  const status = (await (await fetch(`${server.url}/api/v1/websocket/status`)).json()) as { dropped?: Record<string, number> };
  const ms = (value: number): string => `${value.toFixed(1)} ms`;
  console.log(`slow readers: ${READERS} paused subscribers (connected in ${connectSeconds.toFixed(1)} s), ${SENDS} sends of ${TEXT_CHARS} characters in ${sendSeconds.toFixed(1)} s`);
  console.log(`sender got: ${JSON.stringify(Object.fromEntries(answers))}; connections dropped by the server: ${JSON.stringify(status.dropped ?? {})}`);
  console.log(`server RSS: start ${rssStart.toFixed(0)} MB, connected ${rssConnected.toFixed(0)} MB, peak ${rssPeak.toFixed(0)} MB, growth +${(rssPeak - rssConnected).toFixed(0)} MB (target < +300 MB)`);
  console.log(`health: ${health.length} requests, p50 ${ms(quantile(sortedHealth, 0.5))}, p99 ${ms(quantile(sortedHealth, 0.99))}, max ${ms(sortedHealth.at(-1) ?? Number.NaN)} (target p99 < 50 ms)`);
  console.log(`live reader, send → MessageAccepted: ${acceptedDelays.length}/${SENDS} received, p50 ${ms(quantile(acceptedDelays, 0.5))}, max ${ms(acceptedDelays.at(-1) ?? Number.NaN)}`);
  console.log(`live reader, send → TurnCompleted: ${completedDelays.length}/${SENDS} received, p50 ${ms(quantile(completedDelays, 0.5))}, max ${ms(completedDelays.at(-1) ?? Number.NaN)}`);
} finally {
  for (const socket of sockets) socket.terminate();
  await server.stop();
}
