/**
 * The API server for end-to-end benchmarks: the whole API (`createApiServer`, projections host, WebSocket hub) over
 * a session pool with the in-process agent (or the fake claude as child processes) and a durable SQLite store in a temporary directory (see
 * `bench-pool.ts`), with N sessions created and ready. Either in this process ({@link startBenchApi}) or in a child
 * process of its own ({@link spawnBenchApi}: this file run as a script, driven over IPC), so that clients and
 * server do not share one event loop and the server's `process.cpuUsage()` is the server's alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { storeProjections } from '../../projections/index.js';
import { createAuditWriter } from '../../src/audit/index.js';
import { budgetsOver } from '../../src/budgets/index.js';
import { createLogger } from '../../src/observability/logger.js';
import type { SessionPool } from '../../src/pool/index.js';
import { createProjectionHost } from '../../src/projections/index.js';
import { systemClock } from '../../src/runtime/index.js';
import { createApiServer } from '../../src/server/api.js';
import type { ApiDeps } from '../../src/server/api-deps.js';
import { openAuthenticator } from '../../src/server/auth/index.js';
import { CLIENT_FRAME, SERVER_FRAME, WS_PATH } from '../../src/server/ws/protocol.js';
import type { EventStore } from '../../src/store/index.js';
import { benchConfig, benchRequest, openBenchPool, StateWaiter, type BenchAgent } from './bench-pool.js';

/** A session made for the benchmark and its owner (the user a client must name to send to it). */
export interface BenchSession {
  readonly sessionId: string;
  readonly owner: string;
}

/** What to start: how many sessions, and config overrides on top of the benchmark's. */
export interface BenchApiOptions {
  readonly sessions: number;
  /** The agent behind the sessions: the in-process stand-in (default) or the fake claude as child processes. */
  readonly agent?: BenchAgent;
  readonly overrides?: Record<string, string | number | boolean>;
}

/** An API server running in this process. */
export interface BenchApi {
  readonly url: string;
  readonly wsUrl: string;
  readonly pool: SessionPool;
  readonly store: EventStore;
  readonly sessions: readonly BenchSession[];
  /** Closes the server, projections, pool and store, and removes the temporary directory. */
  close(): Promise<void>;
}

/** A server's CPU time so far (`process.cpuUsage()`, µs) and its store's head position (one per append, all streams). */
export interface ServerSample {
  readonly cpu: NodeJS.CpuUsage;
  readonly head: bigint;
  /** Event-loop delay since the previous sample (p99 and max, ms), when the server measures it. */
  readonly loopDelay: { readonly p99Ms: number; readonly maxMs: number } | null;
}

/** Samples this process's CPU time, `store`'s head and (then resets) `loop`'s event-loop delay. */
export async function sampleServer(store: EventStore, loop: IntervalHistogram | null = null): Promise<ServerSample> {
  const cpu = process.cpuUsage();
  const loopDelay = loop === null ? null : { p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 };
  loop?.reset();
  return { cpu, head: (await store.headPosition()).unwrapOr(0n), loopDelay };
}

/** An API server running in a child process. */
export interface BenchApiProcess {
  readonly url: string;
  readonly wsUrl: string;
  readonly sessions: readonly BenchSession[];
  readonly child: ChildProcess;
  /** The child's `process.cpuUsage()` and store head now. */
  sample(): Promise<ServerSample>;
  /** Starts the child's CPU profiler (V8's, as `--cpu-prof` but over a window). */
  profileStart(): Promise<void>;
  /** Stops it and writes the `.cpuprofile` to `path`. */
  profileStop(path: string): Promise<void>;
  /** Asks the child to close everything and exit (so a `--cpu-prof` profile is written); resolves on exit. */
  close(): Promise<void>;
}

/** A rate limit no benchmark reaches. */
const UNBINDING_LIMIT = { rate: 1_000_000, burst: 1_000_000 };

/** Pool settings that let `sessions` in-process agents all be resident, with the WebSocket limit raised. */
export function benchApiOverrides(options: BenchApiOptions): Record<string, string | number | boolean> {
  const size = Math.max(options.sessions, 1);
  return {
    'session_pool.min_size': 0,
    'session_pool.max_size': size,
    'agent.max_processes': 0,
    'agent.memory_budget': '1024GiB',
    'agent.process_memory_estimate': '1MiB',
    'web_interface.websocket.max_connections': 10_000,
    // Every benchmark client comes from 127.0.0.1 and sends far faster than a person: the limits are checked (their
    // cost is measured) but set so high that none binds.
    ...Object.fromEntries(
      ['rest', 'ws_connect', 'ws_send'].map((name) => [`security.rate_limits.${name}`, JSON.stringify({ per_principal: UNBINDING_LIMIT, per_address: UNBINDING_LIMIT })]),
    ),
    ...options.overrides,
  };
}

/** How many creates are in flight at once while making the sessions. */
const CREATE_CONCURRENCY = 32;

/** Creates `n` sessions (owner `owner-<i>`) and waits until each has its agent and is `ready`. */
export async function createReadySessions(pool: SessionPool, n: number): Promise<BenchSession[]> {
  const sessions = Array.from({ length: n }, (_, i) => ({ sessionId: randomUUID(), owner: `owner-${i}` }));
  const waiter = new StateWaiter(pool);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sessions.length) {
      const session = sessions[next++] as BenchSession;
      const ready = waiter.until(session.sessionId, 'ready');
      (await pool.create(benchRequest(session.owner), { sessionId: session.sessionId }))._unsafeUnwrap();
      await ready;
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
  waiter.close();
  return sessions;
}

/** Starts the API in this process over a fresh pool (in-process agent unless `options.agent`) with `options.sessions` ready sessions. */
export async function startBenchApi(options: BenchApiOptions): Promise<BenchApi> {
  const overrides = benchApiOverrides(options);
  const bench = await openBenchPool(options.agent ?? 'in-process', overrides);
  const config = benchConfig({ ...overrides, 'server.shutdown_timeout': '1s' });
  const projections = createProjectionHost(bench.store, { projections: storeProjections() });
  (await projections.start())._unsafeUnwrap();
  const deps: ApiDeps = {
    config,
    pool: bench.pool,
    store: bench.store,
    auth: (await openAuthenticator(config.auth))._unsafeUnwrap(),
    audit: createAuditWriter(bench.store, { clock: systemClock }),
    logger: createLogger('silent'),
    clock: systemClock,
    projections,
    budgets: budgetsOver(config.budgets, projections, bench.store, () => systemClock.now()),
  };
  const server = createApiServer(deps);
  const address = (await server.http.listen())._unsafeUnwrap();
  const sessions = await createReadySessions(bench.pool, options.sessions);
  return {
    url: address.url,
    wsUrl: address.url.replace(/^http/, 'ws'),
    pool: bench.pool,
    store: bench.store,
    sessions,
    close: async () => {
      server.ws.close();
      await server.http.close();
      await projections.close();
      await bench.close();
    },
  };
}

/** A server frame as a benchmark client reads it: its type and whichever fields it has. */
export interface ReceivedFrame {
  readonly type: string;
  readonly session?: string;
  readonly revision?: number;
  readonly eventType?: string;
  readonly data?: { readonly turnId?: string; readonly clientMsgId?: string };
  readonly clientMsgId?: string;
  readonly turnId?: string;
  readonly code?: string;
  readonly message?: string;
  /** The `ref` of the client frame this answers, when it had one. */
  readonly ref?: string;
}

/** One `ws` client connection that has said `hello`: frames out as objects, frames in parsed, to one listener. */
export interface BenchClient extends FrameSocket {
  /** Subscribes to live events of `sessionId`; resolves on `subscribed`. */
  subscribe(sessionId: string): Promise<void>;
}

/** A bare WebSocket client: JSON frames out, frames in parsed and handed to one listener with their arrival time. */
export interface FrameSocket {
  readonly socket: WebSocket;
  /** Sets the listener of every frame received (replacing the previous one). */
  onFrame(listener: (frame: ReceivedFrame, receivedAt: number) => void): void;
  send(frame: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** Opens a WebSocket to `url` (no compression) and resolves once it is open; speaks no protocol of its own. */
export async function openFrameSocket(url: string): Promise<FrameSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  let listener: (frame: ReceivedFrame, receivedAt: number) => void = () => undefined;
  socket.on('message', (data) => {
    const receivedAt = performance.now();
    listener(JSON.parse(String(data)) as ReceivedFrame, receivedAt);
  });
  await once(socket, 'open');
  return {
    socket,
    onFrame: (next) => void (listener = next),
    send: (frame) => socket.send(JSON.stringify(frame)),
    close: async () => {
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = once(socket, 'close');
      socket.close();
      await closed;
    },
  };
}

/** Opens a connection to `wsUrl` + {@link WS_PATH}, says `hello` as `userId` and resolves on `welcome`. */
export async function connectBenchClient(wsUrl: string, userId: string): Promise<BenchClient> {
  const client = await openFrameSocket(`${wsUrl}${WS_PATH}`);
  const awaitFrame = (type: string, send: Record<string, unknown>): Promise<void> =>
    new Promise((resolve, reject) => {
      client.onFrame((frame) => {
        if (frame.type === type) resolve();
        else if (frame.type === SERVER_FRAME.error) reject(new Error(`${frame.code ?? ''}: ${frame.message ?? ''}`));
      });
      client.send(send);
    });
  await awaitFrame(SERVER_FRAME.welcome, { type: CLIENT_FRAME.hello, userId });
  return {
    ...client,
    subscribe: (sessionId) => awaitFrame(SERVER_FRAME.subscribed, { type: CLIENT_FRAME.subscribe, session: sessionId }),
  };
}

/** Messages between the parent and a {@link spawnBenchApi} child. */
type ToChild =
  | { readonly type: 'cpu' }
  | { readonly type: 'profileStart' }
  | { readonly type: 'profileStop'; readonly path: string }
  | { readonly type: 'stop' };
type FromChild =
  | { readonly type: 'ready'; readonly url: string; readonly sessions: readonly BenchSession[] }
  | { readonly type: 'cpu'; readonly usage: NodeJS.CpuUsage; readonly head: string; readonly loopDelay: ServerSample['loopDelay'] }
  | { readonly type: 'profiled' };

const SELF = fileURLToPath(import.meta.url);

/**
 * Runs {@link startBenchApi} in a child process (`node [execArgv] --import tsx bench/support/api.ts`), e.g. with
 * `['--cpu-prof', '--cpu-prof-dir', dir]`, with `env` added to this process's; resolves once its sessions are ready.
 */
export async function spawnBenchApi(options: BenchApiOptions, execArgv: readonly string[] = [], env: Readonly<Record<string, string>> = {}): Promise<BenchApiProcess> {
  const child = spawn(process.execPath, [...execArgv, '--import', 'tsx', SELF, JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  const exited = once(child, 'exit');
  const replies: Array<(message: FromChild) => void> = [];
  const ready = new Promise<Extract<FromChild, { type: 'ready' }>>((resolve, reject) => {
    child.on('message', (message: FromChild) => {
      if (message.type === 'ready') resolve(message);
      else replies.shift()?.(message);
    });
    void exited.then(([code]) => reject(new Error(`bench API process exited with ${String(code)} before it was ready`)));
  });
  const started = await ready;
  const ask = (message: ToChild): Promise<FromChild> =>
    new Promise((resolve) => {
      replies.push(resolve);
      child.send(message);
    });
  return {
    url: started.url,
    wsUrl: started.url.replace(/^http/, 'ws'),
    sessions: started.sessions,
    child,
    sample: async () => {
      const reply = await ask({ type: 'cpu' });
      if (reply.type !== 'cpu') throw new Error(`unexpected reply ${reply.type}`);
      return { cpu: reply.usage, head: BigInt(reply.head), loopDelay: reply.loopDelay };
    },
    profileStart: async () => void (await ask({ type: 'profileStart' })),
    profileStop: async (path) => void (await ask({ type: 'profileStop', path })),
    close: async () => {
      if (child.exitCode === null) child.send({ type: 'stop' } satisfies ToChild);
      await exited;
    },
  };
}

/** V8's CPU profiler over a window of this process's life (an inspector session to itself). */
export function windowProfiler(): { start(): Promise<void>; stop(path: string): Promise<void> } {
  const session = new Session();
  return {
    start: async () => {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      await session.post('Profiler.start');
    },
    stop: async (path) => {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(path, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** The child side of {@link spawnBenchApi}. */
async function serveForParent(options: BenchApiOptions): Promise<void> {
  const api = await startBenchApi(options);
  const profiler = windowProfiler();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const send = (message: FromChild): void => void process.send?.(message);
  process.on('message', (message: ToChild) => {
    if (message.type === 'cpu') void sampleServer(api.store, loop).then(({ cpu, head, loopDelay }) => send({ type: 'cpu', usage: cpu, head: String(head), loopDelay }));
    else if (message.type === 'profileStart') void profiler.start().then(() => send({ type: 'profiled' }));
    else if (message.type === 'profileStop') void profiler.stop(message.path).then(() => send({ type: 'profiled' }));
    else void api.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => void api.close().then(() => process.exit(0)));
  send({ type: 'ready', url: api.url, sessions: api.sessions });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await serveForParent(JSON.parse(process.argv[2] ?? '{"sessions":0}') as BenchApiOptions);
}
