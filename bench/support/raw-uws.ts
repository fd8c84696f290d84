/**
 * The raw limit the WebSocket figures are compared with: a minimal uWebSockets.js server in a child process of
 * its own, doing the least a message server can do. For each text frame it parses the JSON and
 * - `{"topic": t, "subscribe": true}`: subscribes the socket to topic `t` and replies `{"type":"subscribed"}`;
 * - `{"topic": t, ...}`: serialises one event frame once and publishes it to topic `t` (uWS topic fan-out);
 * - anything else: replies with one JSON frame (`{"type":"ack","clientMsgId":…}`), i.e. JSON parse + one reply.
 * No auth, no store, no validation. Its CPU time is read from `/proc/<pid>/stat` (see `proc-cpu.ts`), the same
 * way for any process. This is the only file outside `src/server/` that imports uWebSockets.js: it measures the
 * library itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import uWS, { type us_listen_socket } from 'uWebSockets.js';
import { processCpuMicros } from './proc-cpu.js';

/** A running raw uWS server. */
export interface RawUwsServer {
  readonly wsUrl: string;
  readonly child: ChildProcess;
  /** The server process's CPU time so far (µs, user + system, from `/proc`). */
  cpuMicros(): number;
  close(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);

/** Starts the raw server in a child process (`node --import tsx bench/support/raw-uws.ts`); resolves once it listens. */
export async function spawnRawUws(): Promise<RawUwsServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { readonly port: number }) => resolve(message.port));
    void exited.then(([code]) => reject(new Error(`raw uWS server exited with ${String(code)} before listening`)));
  });
  return {
    wsUrl: `ws://127.0.0.1:${port}/`,
    child,
    cpuMicros: () => processCpuMicros(child.pid as number),
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The child side: listens on a free loopback port and tells the parent which. */
function serve(): void {
  const decoder = new TextDecoder();
  const app = uWS.App();
  app.ws('/*', {
    compression: uWS.DISABLED,
    maxPayloadLength: 1024 * 1024,
    idleTimeout: 0,
    message: (ws, message) => {
      const frame = JSON.parse(decoder.decode(message)) as { topic?: string; subscribe?: boolean; clientMsgId?: string; text?: string };
      if (frame.topic !== undefined && frame.subscribe === true) {
        ws.subscribe(frame.topic);
        ws.send(JSON.stringify({ type: 'subscribed', session: frame.topic }));
      } else if (frame.topic !== undefined) {
        app.publish(frame.topic, JSON.stringify({ type: 'event', session: frame.topic, eventType: 'MessageAccepted', data: { clientMsgId: frame.clientMsgId, text: frame.text } }));
      } else ws.send(JSON.stringify({ type: 'ack', clientMsgId: frame.clientMsgId }));
    },
  });
  app.listen('127.0.0.1', 0, (socket: us_listen_socket | false) => {
    if (socket === false) process.exit(1);
    process.send?.({ port: uWS.us_socket_local_port(socket) });
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) serve();
