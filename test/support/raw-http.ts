/**
 * A raw HTTP/1.1 client over node:net, for requests that fetch refuses to send: malformed percent-encodings,
 * repeated headers, a head split across TCP segments. It writes the given bytes and reads back one response.
 */
import net from 'node:net';

/** One parsed response; `status` 0 when the server closed without answering. */
export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** How the connection ended when no complete response came: `closed` (FIN) or an error code (`ECONNRESET`). */
  readonly ended?: string;
}

/** A request as parts of its head: the request line's method and target, header lines in order, and a body. */
export interface RawRequest {
  readonly method: string;
  /** Sent as is: no encoding is applied. */
  readonly target: string;
  /** Header lines in order; repeats are sent as repeats. A `host` is added when absent. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string | Buffer;
}

/** The bytes of `request`, with `content-length` added for a body unless the headers already say something. */
export function rawRequestBytes(request: RawRequest): Buffer {
  const headers = [...(request.headers ?? [])];
  const named = (name: string) => headers.some(([key]) => key.toLowerCase() === name);
  if (!named('host')) headers.unshift(['host', 'localhost']);
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body);
  if (body.length > 0 && !named('content-length') && !named('transfer-encoding')) headers.push(['content-length', String(body.length)]);
  const head = `${request.method} ${request.target} HTTP/1.1\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/**
 * Sends `request` (or raw bytes) to `port` on loopback and resolves with the first response. `segments` splits
 * the bytes into that many writes a few milliseconds apart, as a slow network would deliver them.
 */
export function rawHttp(port: number, request: RawRequest | Buffer, options: { segments?: number; timeoutMs?: number } = {}): Promise<RawResponse> {
  const bytes = Buffer.isBuffer(request) ? request : rawRequestBytes(request);
  // A response to HEAD declares a length but carries no body.
  const bodyless = bytes.subarray(0, 5).toString('latin1') === 'HEAD ';
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (response: RawResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(response);
    };
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      socket.destroy();
      reject(new Error(`no response within ${options.timeoutMs ?? 5000} ms for ${bytes.subarray(0, 80).toString('latin1')}`));
    }, options.timeoutMs ?? 5000);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const response = parseResponse(received, bodyless);
      if (response !== null) finish(response);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish({ status: 0, headers: {}, body: '', ended: error.code ?? error.message }));
    socket.on('close', () => finish(parseResponse(received, bodyless) ?? { status: 0, headers: {}, body: received.toString('latin1'), ended: 'closed' }));
    socket.on('connect', () => {
      const segments = Math.max(1, options.segments ?? 1);
      const size = Math.ceil(bytes.length / segments);
      let index = 0;
      const writeNext = () => {
        if (done || socket.destroyed) return;
        socket.write(bytes.subarray(index * size, (index + 1) * size));
        index++;
        if (index < segments) setTimeout(writeNext, 5);
      };
      writeNext();
    });
  });
}

/** A complete response at the start of `bytes`, or null while more is needed. */
function parseResponse(bytes: Buffer, bodyless: boolean): RawResponse | null {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const [statusLine = '', ...lines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(statusLine.split(' ')[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = bodyless ? 0 : Number(headers['content-length'] ?? 0);
  const body = bytes.subarray(headEnd + 4);
  if (body.length < length) return null;
  return { status, headers, body: body.subarray(0, length).toString('utf8') };
}
