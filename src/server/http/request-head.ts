/**
 * The request head as the router copies it out of a uWebSockets.js request (which is only valid until the
 * handler returns), the checks every request passes before any route sees it, and path-parameter decoding.
 * Nothing here throws on client input: each problem is an {@link ApiError} naming what is wrong.
 */
import { randomUUID } from 'node:crypto';
import { err, ok, type Result } from 'neverthrow';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { API_ERROR_CODES, apiError, type ApiError } from '../errors.js';

/**
 * Longest request target (path and query) answered: 4 KiB. uWebSockets.js drops a request head over 4 KiB that
 * arrives in more than one read (usual beyond loopback) without answering, so a longer URL could never work
 * reliably; refusing it with 414 whenever it does reach us makes the limit the same on every network.
 */
export const MAX_URL_BYTES = 4096;

/**
 * Headers that must appear at most once. Two `content-length` headers frame the body ambiguously (uWS uses the
 * first, a proxy may use the last: request smuggling); two of the others would let the router and a proxy in
 * front of it disagree on who is calling, how, or about what.
 */
const SINGLE_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'content-type',
  'host',
  'authorization',
  'x-api-key',
  'x-user-id',
  'x-tenant-id',
  'x-request-id',
  'origin',
]);

// A client's own request id is kept when it is short and plain enough to log and echo safely.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What the router keeps of a request's head. */
export interface RequestHead {
  /** Upper-case method. */
  readonly method: string;
  /** The path, still percent-encoded. */
  readonly url: string;
  /** The raw query string, without `?`. */
  readonly query: string;
  /** Header names lower-case; see {@link RequestHead.repeated} for names that came more than once. */
  readonly headers: Readonly<Record<string, string>>;
  /** Names of single-valued headers that came more than once. */
  readonly repeated: readonly string[];
  /** The client's sane `x-request-id`, or a fresh one: sent back as `x-request-id` and logged. */
  readonly requestId: string;
  /** The peer address of the connection, as uWS reports it. */
  readonly remoteAddress?: string;
}

/** Copies the head out of `req` (and the peer address out of `res`). Must run before the uWS handler returns. */
export function copyHead(req: HttpRequest, res?: HttpResponse): RequestHead {
  const headers: Record<string, string> = {};
  const repeated: string[] = [];
  req.forEach((name, value) => {
    if (name in headers && SINGLE_HEADERS.has(name) && !repeated.includes(name)) repeated.push(name);
    headers[name] = value;
  });
  const incoming = headers['x-request-id'];
  return {
    method: req.getMethod().toUpperCase(),
    url: req.getUrl(),
    query: req.getQuery() ?? '',
    headers,
    repeated,
    requestId: incoming !== undefined && SANE_REQUEST_ID.test(incoming) && repeated.length === 0 ? incoming : randomUUID(),
    ...(res === undefined ? {} : { remoteAddress: Buffer.from(res.getRemoteAddressAsText()).toString() }),
  };
}

/** Why a head is refused before routing, and whether the connection must close (its body framing is not trusted). */
export interface HeadRefusal {
  readonly error: ApiError;
  readonly close: boolean;
}

/** A repeated single-valued header (400) or a URL over {@link MAX_URL_BYTES} (414); undefined when the head is fine. */
export function checkHead(head: RequestHead): HeadRefusal | undefined {
  if (head.repeated.length > 0) {
    const names = head.repeated.join(', ');
    return { error: apiError(API_ERROR_CODES.badRequest, `header ${names} must appear at most once`, { headers: [...head.repeated] }), close: true };
  }
  const targetBytes = Buffer.byteLength(head.url) + (head.query === '' ? 0 : Buffer.byteLength(head.query) + 1);
  if (targetBytes > MAX_URL_BYTES) {
    return { error: apiError(API_ERROR_CODES.uriTooLong, `the URL is ${targetBytes} bytes; at most ${MAX_URL_BYTES} are accepted`, { limit: MAX_URL_BYTES }), close: true };
  }
  return undefined;
}

/** Decodes the raw path parameters `values` named `names`; a malformed percent-encoding is 400 naming the parameter. */
export function decodeParams(names: readonly string[], values: readonly string[]): Result<Record<string, string>, ApiError> {
  const params: Record<string, string> = {};
  for (const [index, name] of names.entries()) {
    const decoded = decodeComponent(values[index] ?? '');
    if (decoded === undefined) {
      return err(apiError(API_ERROR_CODES.badRequest, `path parameter "${name}" is not valid percent-encoded UTF-8`, { parameter: name }));
    }
    params[name] = decoded;
  }
  return ok(params);
}

// decodeURIComponent throws URIError on `%`, `%zz`, `%FF` and overlong or surrogate UTF-8; that is client input.
function decodeComponent(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
