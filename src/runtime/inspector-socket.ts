/**
 * The WebSocket transport of the development inspector: an `@statelyai/inspect` adapter (`start`, `stop`, `send`)
 * that says when the inspector cannot be reached. The library's own `createWebSocketInspector` swallows every
 * connection error (its socket's `onerror` only schedules a retry), so `--inspect` with nothing listening was
 * silent; and a retry scheduled before `stop()` still reconnected afterwards. This one reports the first failed
 * attempt of each outage through `onUnreachable`, retries on an unref'd timer that `stop()` cancels, and holds back
 * at most `maxDeferred` events (oldest dropped) until it connects, as the library does.
 */
import type WebSocket from 'ws';

/** The `ws` constructor (loaded by the caller only when the inspector is enabled). */
export type WebSocketConstructor = typeof WebSocket;

/** Options of {@link InspectorSocket}. */
export interface InspectorSocketOptions {
  readonly url: string;
  readonly WebSocket: WebSocketConstructor;
  /** Called once per outage, on its first failed attempt, with the reason (`connect ECONNREFUSED …`). */
  readonly onUnreachable?: (reason: string) => void;
  /** Called when a connection opens after `onUnreachable` was called. */
  readonly onConnected?: () => void;
  /** Wait between attempts (ms); default 5 s, the library's. */
  readonly retryMs?: number;
  /** Events held while not connected; default 200, the library's. */
  readonly maxDeferred?: number;
}

/** Default wait between connection attempts, as `@statelyai/inspect` waits. */
export const INSPECTOR_RETRY_MS = 5_000;
const MAX_DEFERRED = 200;

/** The adapter; `createInspector(new InspectorSocket(...))` turns it into an inspector. */
export class InspectorSocket {
  #socket: WebSocket | null = null;
  #open = false;
  #stopped = false;
  /** True from the first failed attempt of an outage (the one reported) until a connection opens. */
  #reported = false;
  #retry: NodeJS.Timeout | null = null;
  readonly #deferred: string[] = [];

  constructor(private readonly options: InspectorSocketOptions) {}

  /** Connects (and keeps reconnecting until `stop`). */
  start(): void {
    this.#stopped = false;
    this.#connect();
  }

  /** Closes the connection and cancels any retry. */
  stop(): void {
    this.#stopped = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    this.#socket?.terminate();
    this.#socket = null;
    this.#open = false;
  }

  /** Sends one inspection event now, or holds it until connected. An event that cannot be serialised is dropped. */
  send(event: unknown): void {
    let text: string;
    try {
      text = JSON.stringify(event);
    } catch {
      return;
    }
    if (this.#open && this.#socket !== null) {
      this.#socket.send(text);
      return;
    }
    this.#deferred.push(text);
    if (this.#deferred.length > (this.options.maxDeferred ?? MAX_DEFERRED)) this.#deferred.shift();
  }

  #connect(): void {
    this.#retry = null;
    const socket = new this.options.WebSocket(this.options.url);
    this.#socket = socket;
    let opened = false;
    let failure = 'the connection closed';
    socket.on('open', () => {
      opened = true;
      this.#open = true;
      if (this.#reported) this.options.onConnected?.();
      this.#reported = false;
      for (const text of this.#deferred.splice(0)) socket.send(text);
    });
    // Without an 'error' listener ws would throw; the reason is reported when the attempt ends.
    socket.on('error', (error: Error) => {
      failure = error.message;
    });
    socket.on('close', () => {
      if (this.#socket === socket) {
        this.#socket = null;
        this.#open = false;
      }
      if (this.#stopped) return;
      if (!opened && !this.#reported) {
        this.#reported = true;
        this.options.onUnreachable?.(failure);
      }
      this.#retry = setTimeout(() => this.#connect(), this.options.retryMs ?? INSPECTOR_RETRY_MS);
      // A development aid never keeps the process alive.
      this.#retry.unref();
    });
  }
}
