/**
 * fast-check arbitraries for the HTTP fuzz suite: requests against the session API, each carrying one defect
 * (a malformed path parameter, an out-of-range query number, bad JSON, a wrong content type, an invalid body, a
 * body over the limit, a repeated header, a URL over 4 KiB, a wrong method, an unknown path) plus harmless noise
 * headers, or a valid read with odd headers. Each case says which statuses (and error code) it must get.
 */
import fc from 'fast-check';
import type { RawRequest } from '../support/raw-http.js';

/** The request and what must come back. */
export interface FuzzCase {
  readonly kind: string;
  readonly request: RawRequest;
  /** Acceptable statuses. */
  readonly statuses: readonly number[];
  /** The error code when the status is 4xx, if one is certain. */
  readonly code?: string;
  /** `details` the error must contain, if certain. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** What the cases are built around: an existing session (owned by `ada` in `acme`, with `bob` as a viewer). */
export interface FuzzFixture {
  readonly sessionId: string;
  /** Its last revision: `state?at=` beyond it is 404. */
  readonly lastRevision: number;
  /** The largest request body accepted, in bytes. */
  readonly maxBodyBytes: number;
}

type Method = 'GET' | 'POST' | 'DELETE';

/** A route of the API as the fuzzer sees it. Templates use `{id}` and `{userId}`. */
interface FuzzRoute {
  readonly method: Method;
  readonly path: string;
  /** Which parameters the path has. */
  readonly params: readonly ('id' | 'userId')[];
  /** A body the route accepts (sent only with a defect elsewhere), and bodies it must refuse. */
  readonly body?: { readonly valid: string; readonly invalid: readonly string[] };
  /** Integer query parameters and their ranges. */
  readonly query?: Readonly<Record<string, { readonly min: number; readonly max: number }>>;
}

const SAFE = Number.MAX_SAFE_INTEGER;

const ROUTES: readonly FuzzRoute[] = [
  {
    method: 'POST',
    path: '/api/v1/sessions',
    params: [],
    body: {
      valid: '{}',
      invalid: ['null', '[]', '1', '"s"', 'true', '{"colour":"blue"}', `{"metadata":{"${'k'.repeat(101)}":"v"}}`, '{"model":""}', '{"cwd":"../up"}', '{"allowedTools":"Read"}', '{"share":"yes"}', '{"permissionMode":"root"}', '{"metadata":{"a":1}}'],
    },
  },
  { method: 'GET', path: '/api/v1/sessions', params: [], query: { limit: { min: 1, max: 200 } } },
  { method: 'GET', path: '/api/v1/sessions/{id}', params: ['id'] },
  { method: 'DELETE', path: '/api/v1/sessions/{id}', params: ['id'] },
  {
    method: 'POST',
    path: '/api/v1/sessions/{id}/messages',
    params: ['id'],
    body: { valid: '{"text":"hi"}', invalid: ['null', '[]', '{}', '{"text":""}', '{"text":1e309}', '{"text":"hi","extra":1}', '{"text":"hi","clientMsgId":""}', '{"text":["hi"]}'] },
  },
  { method: 'POST', path: '/api/v1/sessions/{id}/interrupt', params: ['id'] },
  { method: 'GET', path: '/api/v1/sessions/{id}/events', params: ['id'], query: { from: { min: 0, max: SAFE }, limit: { min: 1, max: 1000 } } },
  { method: 'GET', path: '/api/v1/sessions/{id}/state', params: ['id'], query: { at: { min: 0, max: SAFE } } },
  {
    method: 'POST',
    path: '/api/v1/sessions/{id}/participants',
    params: ['id'],
    body: { valid: '{"userId":"carol","role":"editor"}', invalid: ['null', '{}', '{"userId":"carol"}', '{"userId":"carol","role":"owner"}', '{"userId":"../x","role":"viewer"}', '{"userId":"carol","role":"viewer","x":1}'] },
  },
  { method: 'DELETE', path: '/api/v1/sessions/{id}/participants/{userId}', params: ['id', 'userId'] },
];

/** Read-only routes without parameters: a valid request gets 200. */
const PLAIN_READS = ['/api/v1/session-pool/status', '/api/v1/websocket/status', '/api/v1/breakers', '/api/v1/metrics', '/metrics', '/api/v1/openapi.json', '/api/v1/sessions'];

const CALLER: readonly [string, string][] = [['x-user-id', 'ada'], ['x-tenant-id', 'acme']];

/** Headers that must appear once; the router refuses repeats with 400. */
const SINGLE_HEADERS = ['content-type', 'host', 'x-user-id', 'x-tenant-id', 'x-request-id', 'x-api-key', 'authorization', 'origin'] as const;

const pathOf = (route: FuzzRoute, values: { id: string; userId: string }) => route.path.replace('{id}', values.id).replace('{userId}', values.userId);

/** Percent-encodings decodeURIComponent refuses: stray `%`, bad hex, and bytes that are not UTF-8. */
const malformedEncoding: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('%', '%%', '%zz', '%FF', '%C0%AF', '%E0%A4%A', '%ED%A0%80', '%F4%90%80%80', '%80', '%c3', '%G1', 'a%2', '%%41'),
  // Plain text around a stray or truncated escape.
  fc.tuple(fc.stringMatching(/^[A-Za-z0-9._~-]{0,8}$/), fc.constantFrom('%', '%4', '%x1', '%1g'), fc.stringMatching(/^[G-Zg-z._~-]{0,8}$/)).map(([a, bad, b]) => `${a}${bad}${b}`),
  // Random bytes that do not form UTF-8, percent-encoded.
  fc
    .uint8Array({ minLength: 1, maxLength: 6 })
    .filter((bytes) => !isUtf8(bytes))
    .map((bytes) => [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('')),
);

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Header names and values a client may legally send; never one the router or uWS gives meaning to. */
const noiseHeader: fc.Arbitrary<[string, string]> = fc.tuple(
  fc.stringMatching(/^x-fz-[a-z0-9-]{1,16}$/),
  fc.oneof(
    fc.stringMatching(/^[!-~]{0,40}$/),
    fc.integer({ min: 1, max: 32_768 }).map((size) => 'v'.repeat(size)),
    fc.stringMatching(/^[\x80-\xff]{1,10}$/),
  ),
);
const noise = fc.uniqueArray(noiseHeader, { maxLength: 3, selector: ([name]) => name });

/** Query text for an integer parameter and whether it is a valid value in [min, max]. */
function queryValue(range: { min: number; max: number }): fc.Arbitrary<{ text: string; valid: boolean }> {
  const text = fc.oneof(
    fc.constantFrom('Infinity', '-Infinity', 'NaN', '1e309', '-1e309', '0x10', ' 1', '1.5', '1e3', '', '-0', '+1', '9007199254740992', '-9007199254740992'),
    fc.stringMatching(/^-?[0-9]{1,25}$/),
    fc.integer({ min: 17, max: 1000 }).map((digits) => '9'.repeat(digits)),
    fc.integer({ min: range.min - 2, max: Math.min(range.max, 2000) + 2 }).map(String),
    fc.string({ maxLength: 12 }),
  );
  return text.map((value) => {
    const number = Number(value);
    const valid = /^-?\d+$/.test(value) && Number.isSafeInteger(number) && number >= range.min && number <= range.max;
    return { text: value, valid };
  });
}

/** All fuzz cases for `fixture`. */
export function fuzzCase(fixture: FuzzFixture): fc.Arbitrary<FuzzCase> {
  const { sessionId } = fixture;
  const good = { id: sessionId, userId: 'bob' };
  const routeWith = (has: (route: FuzzRoute) => boolean) => fc.constantFrom(...ROUTES.filter(has));
  const requestOf = (route: FuzzRoute, path: string, extra: [string, string][], body?: { text: string; type?: string | null }): RawRequest => {
    const headers: [string, string][] = [...CALLER, ...extra];
    if (body !== undefined && body.type !== null) headers.push(['content-type', body.type ?? 'application/json']);
    return { method: route.method, target: path, headers, ...(body === undefined ? {} : { body: body.text }) };
  };
  const validBody = (route: FuzzRoute) => (route.body === undefined ? undefined : { text: route.body.valid });

  const badParam = fc.tuple(routeWith((route) => route.params.length > 0), malformedEncoding, fc.nat(), noise).map(([route, bad, which, extra]): FuzzCase => {
    const parameter = route.params[which % route.params.length]!;
    const path = pathOf(route, { ...good, [parameter]: bad });
    return { kind: 'bad path parameter', request: requestOf(route, path, extra, validBody(route)), statuses: [400], code: 'bad_request', details: { parameter } };
  });

  const badQuery = routeWith((route) => route.query !== undefined).chain((route) => {
    const names = Object.keys(route.query!);
    return fc.tuple(fc.constantFrom(...names), noise).chain(([name, extra]) =>
      queryValue(route.query![name]!).map(({ text, valid }): FuzzCase => {
        const path = `${pathOf(route, good)}?${name}=${encodeURIComponent(text)}`;
        const request = requestOf(route, path, extra);
        if (valid) return { kind: 'query number in range', request, statuses: name === 'at' && Number(text) > fixture.lastRevision ? [404] : [200] };
        return { kind: 'query number out of range', request, statuses: [400], code: 'validation_failed', details: { field: name } };
      }),
    );
  });

  const unknownQuery = fc.tuple(routeWith((route) => route.query !== undefined), fc.stringMatching(/^zz[a-z]{0,6}$/), noise).map(
    ([route, name, extra]): FuzzCase => ({ kind: 'unknown query field', request: requestOf(route, `${pathOf(route, good)}?${name}=1`, extra), statuses: [400], code: 'validation_failed', details: { field: name } }),
  );

  const notJson = fc.string({ minLength: 1, maxLength: 40 }).filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  });
  const badJson = fc.tuple(routeWith((route) => route.body !== undefined), fc.oneof(notJson, fc.constantFrom('{"a":', '{', '[1,', '{"text":"hi"', 'nul', "{'a':1}", '{"a":1}}')), noise).map(
    ([route, text, extra]): FuzzCase => ({ kind: 'bad JSON', request: requestOf(route, pathOf(route, good), extra, { text }), statuses: [400], code: 'invalid_json' }),
  );

  const notJsonType = fc.oneof(
    fc.constantFrom(null, '', 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/x-www-form-urlencoded', 'json', 'application/', 'text/json'),
    fc.stringMatching(/^[a-z]{1,8}\/[a-z.-]{1,12}$/).filter((type) => !/^application\/([\w.+-]*\+)?json\b/i.test(type)),
  );
  const wrongType = fc.tuple(routeWith((route) => route.body !== undefined), notJsonType, noise).map(
    ([route, type, extra]): FuzzCase => ({ kind: 'wrong content type', request: requestOf(route, pathOf(route, good), extra, { text: route.body!.valid, type }), statuses: [415], code: 'unsupported_media_type' }),
  );

  const invalidBody = routeWith((route) => route.body !== undefined).chain((route) =>
    fc.tuple(fc.constantFrom(...route.body!.invalid), noise).map(
      ([text, extra]): FuzzCase => ({ kind: 'invalid body', request: requestOf(route, pathOf(route, good), extra, { text }), statuses: [400], code: 'validation_failed' }),
    ),
  );

  const tooLarge = fc.tuple(routeWith((route) => route.body !== undefined), fc.integer({ min: 1, max: 4 * fixture.maxBodyBytes })).map(
    ([route, over]): FuzzCase => ({
      kind: 'body over the limit',
      request: requestOf(route, pathOf(route, good), [], { text: `{"text":"${'x'.repeat(fixture.maxBodyBytes + over)}"}` }),
      statuses: [413],
      code: 'payload_too_large',
    }),
  );

  const repeated = fc.tuple(fc.constantFrom(...ROUTES), fc.constantFrom(...SINGLE_HEADERS, 'content-length'), fc.boolean(), noise).map(([route, name, same, extra]): FuzzCase => {
    const body = validBody(route);
    const request = requestOf(route, pathOf(route, good), extra, body);
    const headers = [...(request.headers ?? [])];
    const existing = headers.find(([key]) => key === name);
    if (name === 'content-length') {
      const length = Buffer.byteLength(body?.text ?? '');
      headers.push(['content-length', String(length)], ['content-length', String(same ? length : length + 1)]);
    } else {
      const value = existing?.[1] ?? 'one';
      if (existing === undefined) headers.push([name, value]);
      headers.push([name, same ? value : `${value}2`]);
    }
    return { kind: 'repeated header', request: { ...request, headers }, statuses: [400], code: 'bad_request', details: { headers: [name] } };
  });

  const longUrl = fc.tuple(fc.constantFrom(...ROUTES), fc.integer({ min: 4097, max: 60_000 }), fc.boolean(), noise).map(([route, size, asQuery, extra]): FuzzCase => {
    // Long in the path when the route has a parameter to carry it, else in the query.
    const inQuery = asQuery || route.params.length === 0;
    const base = pathOf(route, inQuery ? good : { ...good, id: 'i'.repeat(size) });
    const path = inQuery ? `${base}?pad=${'p'.repeat(size)}` : base;
    return { kind: 'URL over 4 KiB', request: requestOf(route, path, extra, validBody(route)), statuses: [414], code: 'uri_too_long' };
  });

  const wrongMethod = fc.tuple(fc.constantFrom(...ROUTES), fc.constantFrom('PUT', 'PATCH', 'TRACE', 'POST', 'DELETE', 'GET'), noise)
    .filter(([route, method]) => !ROUTES.some((other) => other.path === route.path && other.method === method))
    .map(([route, method, extra]): FuzzCase => ({ kind: 'wrong method', request: { ...requestOf(route, pathOf(route, good), extra), method }, statuses: [405], code: 'method_not_allowed' }));

  const unknownPath = fc.tuple(fc.constantFrom('/api/v1/', '/api/v2/', '/', `/api/v1/sessions/${sessionId}/`), fc.stringMatching(/^zz[A-Za-z0-9%._~-]{0,20}$/), fc.constantFrom('GET', 'POST', 'DELETE', 'PUT'), noise).map(
    ([prefix, rest, method, extra]): FuzzCase => ({ kind: 'unknown path', request: { method, target: `${prefix}${rest}`, headers: [...CALLER, ...extra] }, statuses: [404], code: 'not_found' }),
  );

  const oddRead = fc.tuple(
    fc.oneof(
      fc.constantFrom(...PLAIN_READS),
      fc.constantFrom(`/api/v1/sessions/${sessionId}`, `/api/v1/sessions/${sessionId}/events`, `/api/v1/sessions/${sessionId}/state`),
    ),
    fc.constantFrom('GET', 'HEAD'),
    fc.uniqueArray(noiseHeader, { minLength: 1, maxLength: 4, selector: ([name]) => name }),
  ).map(([path, method, extra]): FuzzCase => ({ kind: 'read with odd headers', request: { method, target: path, headers: [...CALLER, ...extra] }, statuses: [200] }));

  return fc.oneof(badParam, badQuery, unknownQuery, badJson, wrongType, invalidBody, tooLarge, repeated, longUrl, wrongMethod, unknownPath, oddRead);
}
