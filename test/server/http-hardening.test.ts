/**
 * The router never lets a request kill the server: malformed percent-encodings, handlers that throw (sync or
 * async), a throwing response observer, bodies without a content type, repeated Content-Length and oversized
 * heads all get a typed answer, every response carries a request id, and the server keeps serving.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createHttpServer, type HttpServer } from '../../src/server/http-server.js';
import type { Route } from '../../src/server/http/types.js';
import { rawHttp } from '../support/raw-http.js';
import { testConfig } from '../support/config.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const routes: Route[] = [
  { method: 'GET', pattern: '/items/:id', handler: (context) => ({ status: 200, body: { id: context.params.id } }) },
  { method: 'DELETE', pattern: '/pairs/:left/:right', handler: (context) => ({ status: 200, body: context.params }) },
  { method: 'POST', pattern: '/echo', readsBody: true, handler: (context) => ({ status: 201, body: { got: context.body ?? null } }) },
  { method: 'GET', pattern: '/throws', handler: () => { throw new Error('sync boom'); } },
  { method: 'GET', pattern: '/rejects', handler: async () => { await Promise.resolve(); throw new Error('async boom'); } },
  { method: 'POST', pattern: '/throws-after-body', readsBody: true, handler: () => { throw new TypeError('body boom'); } },
  // Bugs only found while answering: a header value that is not a string, or one that would split the response.
  { method: 'GET', pattern: '/bad-header-type', handler: () => ({ status: 200, body: {}, headers: { 'x-count': 5 as unknown as string } }) },
  { method: 'GET', pattern: '/bad-header-crlf', handler: () => ({ status: 200, body: {}, headers: { 'x-note': 'a\r\nx-injected: 1' } }) },
];

interface Started {
  readonly url: string;
  readonly port: number;
  readonly internalErrors: () => number;
  readonly logLines: () => Array<Record<string, unknown>>;
}

async function start(options: { observe?: (method: string, route: string, status: number) => void } = {}): Promise<Started> {
  let internalErrors = 0;
  const lines: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
  server = createHttpServer(testConfig({ 'server.max_body_size': '1KiB' }), routes, logger, {
    recordInternalError: () => void internalErrors++,
    ...(options.observe === undefined ? {} : { observe: options.observe }),
  });
  const address = (await server.listen())._unsafeUnwrap();
  return {
    url: address.url,
    port: address.port,
    internalErrors: () => internalErrors,
    logLines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const MALFORMED = ['%FF', '%C0%AF', '%', '%zz', 'a%2', '%E0%A4%A', '%ED%A0%80'];

describe('malformed percent-encoding in a path parameter', () => {
  it('is 400 bad_request naming the parameter, on every parameter, and the server keeps serving', async () => {
    const { port } = await start();
    for (const bad of MALFORMED) {
      const one = await rawHttp(port, { method: 'GET', target: `/items/${bad}` });
      expect(one.status, `GET /items/${bad}`).toBe(400);
      expect(JSON.parse(one.body)).toEqual({ error: { code: 'bad_request', message: expect.stringContaining('path parameter "id"'), details: { parameter: 'id' } } });
      const right = await rawHttp(port, { method: 'DELETE', target: `/pairs/ok/${bad}` });
      expect(right.status, `DELETE /pairs/ok/${bad}`).toBe(400);
      expect(JSON.parse(right.body).error.details).toEqual({ parameter: 'right' });
    }
    const fine = await rawHttp(port, { method: 'GET', target: '/items/a%20b' });
    expect(fine.status).toBe(200);
    expect(JSON.parse(fine.body)).toEqual({ id: 'a b' });
  });
});

describe('exceptions inside the HTTP layer', () => {
  it('a handler that throws, synchronously or not, is a 500 with a request id, logged and counted; the server keeps serving', async () => {
    const started = await start();
    for (const path of ['/throws', '/rejects']) {
      const response = await fetch(`${started.url}${path}`);
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
      const requestId = response.headers.get('x-request-id');
      expect(requestId).toMatch(/^[\w.:-]{8,}$/);
      expect(started.logLines().some((line) => line.requestId === requestId && line.msg === 'HTTP handler failed')).toBe(true);
    }
    const afterBody = await fetch(`${started.url}/throws-after-body`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(afterBody.status).toBe(500);
    expect(started.internalErrors()).toBe(3);
    expect((await fetch(`${started.url}/items/x`)).status).toBe(200);
  });

  it('a response header a handler got wrong is a 500 (nothing half-written, nothing injected)', async () => {
    const started = await start();
    for (const path of ['/bad-header-type', '/bad-header-crlf']) {
      const response = await rawHttp(started.port, { method: 'GET', target: path });
      expect(response.status, path).toBe(500);
      expect(response.headers['x-injected']).toBeUndefined();
      expect(JSON.parse(response.body)).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
    }
    expect(started.internalErrors()).toBe(2);
    expect((await fetch(`${started.url}/items/x`)).status).toBe(200);
  });

  it('an exception while answering (here: the response observer) is caught, counted, and the server keeps serving', async () => {
    let calls = 0;
    const started = await start({ observe: () => { if (calls++ === 0) throw new Error('observer boom'); } });
    const first = await fetch(`${started.url}/items/a`);
    expect(first.status).toBe(200);
    expect(started.internalErrors()).toBe(1);
    expect((await fetch(`${started.url}/nope`)).status).toBe(404);
    expect((await fetch(`${started.url}/items/b`)).status).toBe(200);
  });
});

describe('request id', () => {
  it('is returned on every response: a sane incoming x-request-id is kept, anything else is replaced', async () => {
    const { url, port } = await start();
    const kept = await fetch(`${url}/items/a`, { headers: { 'x-request-id': 'client-42.a:b' } });
    expect(kept.headers.get('x-request-id')).toBe('client-42.a:b');
    const notFound = await fetch(`${url}/nope`);
    expect(notFound.headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/);
    for (const insane of ['x'.repeat(200), 'a b', 'a"b', '']) {
      const replaced = await rawHttp(port, { method: 'GET', target: '/items/a', headers: [['x-request-id', insane]] });
      expect(replaced.headers['x-request-id']).toBeDefined();
      expect(replaced.headers['x-request-id']).not.toBe(insane);
    }
    const a = (await fetch(`${url}/items/a`)).headers.get('x-request-id');
    const b = (await fetch(`${url}/items/a`)).headers.get('x-request-id');
    expect(a).not.toBe(b);
  });
});

describe('request bodies and heads', () => {
  it('a body without content-type is 415', async () => {
    const { port } = await start();
    const response = await rawHttp(port, { method: 'POST', target: '/echo', body: '{"a":1}' });
    expect(response.status).toBe(415);
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'unsupported_media_type', message: 'expected a JSON body (application/json), got no content-type' } });
  });

  it('two Content-Length headers are 400 and the connection is closed', async () => {
    const { port } = await start();
    for (const lengths of [['2', '7'], ['7', '2'], ['7', '7']]) {
      const response = await rawHttp(port, {
        method: 'POST',
        target: '/echo',
        headers: [['content-type', 'application/json'], ['content-length', lengths[0]!], ['content-length', lengths[1]!]],
        body: '{"a":1}',
      });
      expect(response.status, lengths.join(',')).toBe(400);
      expect(JSON.parse(response.body).error).toMatchObject({ code: 'bad_request', message: expect.stringContaining('content-length') });
      expect(response.headers.connection).toBe('close');
    }
  });

  it('a URL over 4 KiB is 414 (path or query), on known and unknown routes alike', async () => {
    const { port } = await start();
    const long = await rawHttp(port, { method: 'GET', target: `/items/${'a'.repeat(100_000)}` });
    expect(long.status).toBe(414);
    expect(JSON.parse(long.body)).toEqual({
      error: { code: 'uri_too_long', message: 'the URL is 100007 bytes; at most 4096 are accepted', details: { limit: 4096 } },
    });
    expect((await rawHttp(port, { method: 'GET', target: `/nope?q=${'a'.repeat(5000)}` })).status).toBe(414);
    expect((await rawHttp(port, { method: 'GET', target: `/items/${'a'.repeat(4089)}` })).status).toBe(200);
    expect((await rawHttp(port, { method: 'GET', target: `/items/${'a'.repeat(4090)}` })).status).toBe(414);
  });

  it('a huge header value that arrives in one read is answered normally', async () => {
    const { port } = await start();
    const response = await rawHttp(port, { method: 'GET', target: '/items/a', headers: [['x-big', 'b'.repeat(60_000)]] });
    expect(response.status).toBe(200);
  });

  it('a head over 4 KiB that arrives in several segments is dropped by uWebSockets.js without an answer (documented)', async () => {
    const { port } = await start();
    const dropped = await rawHttp(port, { method: 'GET', target: `/items/${'a'.repeat(5000)}` }, { segments: 3 });
    expect(dropped.status).toBe(0);
    expect((await rawHttp(port, { method: 'GET', target: `/items/${'a'.repeat(1000)}` }, { segments: 3 })).status).toBe(200);
  });
});
