/**
 * One HTTP request/response pair over uWebSockets.js. It remembers whether the client went away, so nothing
 * writes to a dead response (which would crash uWS), and it counts requests in flight for graceful shutdown.
 */
import { STATUS_CODES } from 'node:http';
import type { HttpResponse } from 'uWebSockets.js';
import fastJson from 'fast-json-stringify';
import { HTTP_STATUS_OF, type ApiError } from '../errors.js';

// An HTTP token (RFC 9110), as a response header name must be.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const STATUS_LINES = new Map<number, string>();
/** `200` → `200 OK`, cached. */
export function statusLine(status: number): string {
  let line = STATUS_LINES.get(status);
  if (line === undefined) {
    line = `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
    STATUS_LINES.set(status, line);
  }
  return line;
}

const serializeErrorEnvelope = fastJson({
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
});

/** Serialises an error as the envelope `{ "error": { code, message, details? } }`. */
export function errorEnvelope(error: ApiError): string {
  return serializeErrorEnvelope({ error });
}

/** Counts exchanges that have started and not yet finished. */
export class InFlightCounter {
  #count = 0;
  #idle: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  enter(): void {
    this.#count++;
  }

  leave(): void {
    this.#count--;
    if (this.#count === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Resolves once nothing is in flight, or after `timeoutMs`; true when drained. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

/** A response in progress. Every write goes through here so aborted responses are never touched. */
export class Exchange {
  #aborted = false;
  #finished = false;

  constructor(
    readonly res: HttpResponse,
    private readonly inFlight: InFlightCounter,
    /** Headers added to every response (CORS). */
    private readonly baseHeaders: readonly (readonly [string, string])[] = [],
    /** Close the connection after responding (set while draining). */
    private readonly closeAfter: () => boolean = () => false,
    /** Told the status of the response once it is sent (metrics). */
    private readonly onSent?: (status: number) => void,
  ) {
    inFlight.enter();
    res.onAborted(() => {
      this.#aborted = true;
      this.#finish();
    });
  }

  get open(): boolean {
    return !this.#aborted && !this.#finished;
  }

  /**
   * Sends a complete response. `bodyless` sends headers with the body's length but no body (HEAD). A header that
   * is not a plain string without CR/LF (a bug in a handler; uWS would write it as is) throws before anything is
   * written, so the router can still answer 500. If writing throws half-way, the connection is closed (a
   * half-written response cannot be finished) and the error is rethrown for the router to report.
   */
  send(status: number, body: string, headers: Readonly<Record<string, string>> = {}, options: { bodyless?: boolean; close?: boolean } = {}): void {
    if (!this.open) return;
    const lines = [...this.baseHeaders, ...Object.entries(headers)];
    if (body !== '' && headers['content-type'] === undefined) lines.push(['content-type', 'application/json; charset=utf-8']);
    for (const [name, value] of lines) {
      if (typeof value !== 'string' || /[\r\n]/.test(value) || !HEADER_NAME.test(name)) throw new TypeError(`invalid response header ${JSON.stringify(name)}`);
    }
    const close = options.close === true || this.closeAfter();
    this.#finish();
    try {
      this.res.cork(() => {
        this.res.writeStatus(statusLine(status));
        for (const [name, value] of lines) this.res.writeHeader(name, value);
        if (options.bodyless) this.res.endWithoutBody(Buffer.byteLength(body), close);
        else this.res.end(body, close);
      });
    } catch (error) {
      this.#drop();
      throw error;
    }
    this.onSent?.(status);
  }

  /** Sends an error envelope with the status its code maps to. */
  sendError(error: ApiError, headers: Readonly<Record<string, string>> = {}, options: { bodyless?: boolean; close?: boolean } = {}): void {
    this.send(HTTP_STATUS_OF[error.code], errorEnvelope(error), headers, options);
  }

  /** Closes the connection without a response, unless the client already went away. */
  #drop(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    try {
      this.res.close();
    } catch {
      // The socket is already gone: nothing left to close.
    }
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.inFlight.leave();
  }
}
