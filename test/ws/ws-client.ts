/**
 * A small `ws` client for the WebSocket end-to-end tests: records every frame it receives (parsed JSON), waits for
 * a frame matching a predicate, and exposes how the connection closed.
 */
import WebSocket from 'ws';

/** A received frame (server frames are JSON objects with a `type`). */
export type Frame = Record<string, unknown> & { readonly type: string };

/** A connected test client. */
export class WsClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ readonly code: number; readonly reason: string }>;
  readonly #waiters = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      for (const wake of [...this.#waiters]) wake();
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of [...this.#waiters]) wake();
    }));
  }

  /** Opens a connection to `url` (rejects with the HTTP status of a refused upgrade). */
  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options);
      const client = new WsClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${response.statusCode}`), { status: response.statusCode, body })));
      });
      socket.once('error', reject);
    });
  }

  /** Opens a connection and says `hello` with `hello`'s fields; resolves once welcomed. */
  static async hello(url: string, hello: Record<string, unknown> = {}, options: WebSocket.ClientOptions = {}): Promise<WsClient> {
    const client = await WsClient.open(url, options);
    client.send({ type: 'hello', ...hello });
    await client.next((frame) => frame.type === 'welcome' || frame.type === 'error');
    return client;
  }

  /** Sends `frame` as JSON (or a raw string as is). */
  send(frame: Record<string, unknown> | string): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first received frame (past or future) matching `predicate`. */
  next(predicate: (frame: Frame) => boolean, timeoutMs = 8_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.frames.find(predicate);
        if (found === undefined) return false;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5)).slice(0, 2000)}`));
      }, timeoutMs);
      if (!check()) this.#waiters.add(check);
    });
  }

  /** Frames of type `event` for `session`. */
  events(session: string): Frame[] {
    return this.frames.filter((frame) => frame.type === 'event' && frame['session'] === session);
  }

  close(): void {
    this.socket.close();
  }
}
