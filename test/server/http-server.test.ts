import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createHttpServer, type HttpServer } from '../../src/server/http-server.js';
import { healthRoutes } from '../../src/server/routes/health.js';
import { API_ERROR_CODES, apiError } from '../../src/server/errors.js';
import type { Route } from '../../src/server/http/types.js';
import type { ReadinessProbe } from '../../src/runtime/readiness.js';
import { testConfig } from '../support/config.js';

const silent = pino({ level: 'silent' });
let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const probe = (name: string, ready: boolean, critical = false): ReadinessProbe => ({
  name,
  critical,
  check: async () => ({ ready, detail: ready ? 'fine' : 'down' }),
});

let releaseSlow: () => void = () => {};
const testRoutes: Route[] = [
  { method: 'POST', pattern: '/echo', readsBody: true, handler: (context) => ({ status: 201, body: { got: context.body ?? null } }) },
  { method: 'GET', pattern: '/items/:id', handler: (context) => ({ status: 200, body: { id: context.params.id, q: context.query.get('q') } }) },
  { method: 'DELETE', pattern: '/items/:id', handler: () => ({ status: 204 }) },
  { method: 'GET', pattern: '/conflict', handler: () => apiError(API_ERROR_CODES.conflict, 'already there', { id: 'x' }) },
  { method: 'GET', pattern: '/bug', handler: () => { throw new Error('boom'); } },
  { method: 'GET', pattern: '/slow', handler: () => new Promise((resolve) => (releaseSlow = () => resolve({ status: 200, body: { slow: true } }))) },
];

async function start(probes: ReadinessProbe[] = [probe('store', true, true)], overrides: Record<string, string | number | boolean> = {}): Promise<string> {
  const config = testConfig({ 'server.max_body_size': '1KiB', ...overrides });
  const routes = [...healthRoutes({ version: '9.9.9', profile: 'basic', startedAt: new Date(), probes }), ...testRoutes];
  server = createHttpServer(config, routes, silent);
  const address = (await server.listen())._unsafeUnwrap();
  return address.url;
}

async function json(response: Response): Promise<unknown> {
  return JSON.parse(await response.text());
}

describe('health', () => {
  it('reports ok, version, uptime and every check when all are ready', async () => {
    const url = await start([probe('store', true, true), probe('agent', true)]);
    const response = await fetch(`${url}/api/v1/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await json(response)).toMatchObject({
      status: 'ok',
      version: '9.9.9',
      profile: 'basic',
      checks: { store: { ready: true, critical: true, detail: 'fine' }, agent: { ready: true, critical: false } },
    });
  });

  it('is degraded (still 200) when a non-critical dependency is not ready', async () => {
    const url = await start([probe('store', true, true), probe('agent', false)]);
    const response = await fetch(`${url}/api/v1/health`);
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ status: 'degraded', checks: { agent: { ready: false, detail: 'down' } } });
  });

  it('is unavailable (503) when a critical dependency is not ready', async () => {
    const url = await start([probe('store', false, true)]);
    const response = await fetch(`${url}/api/v1/health`);
    expect(response.status).toBe(503);
    expect(await json(response)).toMatchObject({ status: 'unavailable' });
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const url = await start();
    const response = await fetch(`${url}/api/v1/health`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await response.text()).toBe('');
  });
});

describe('error envelope', () => {
  it('404 for an unknown route', async () => {
    const url = await start();
    const response = await fetch(`${url}/api/v1/nope`);
    expect(response.status).toBe(404);
    expect(await json(response)).toEqual({ error: { code: 'not_found', message: 'no route for GET /api/v1/nope' } });
  });

  it('405 with Allow for a known route and a wrong method', async () => {
    const url = await start();
    const response = await fetch(`${url}/api/v1/health`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(await json(response)).toEqual({
      error: { code: 'method_not_allowed', message: 'DELETE is not allowed on /api/v1/health; allowed: GET, HEAD, OPTIONS' },
    });
  });

  it('400 for a body that is not JSON', async () => {
    const url = await start();
    const response = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(response.status).toBe(400);
    const body = (await json(response)) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_json');
    expect(body.error.message).toMatch(/^request body is not valid JSON: /);
  });

  it('415 for a body that is not declared as JSON', async () => {
    const url = await start();
    const response = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(response.status).toBe(415);
    expect(await json(response)).toEqual({ error: { code: 'unsupported_media_type', message: 'expected a JSON body (application/json), got text/plain' } });
  });

  it('413 for a body over the limit declared by Content-Length', async () => {
    const url = await start();
    const response = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 'x'.repeat(2000) }) });
    expect(response.status).toBe(413);
    expect(await json(response)).toEqual({
      error: { code: 'payload_too_large', message: 'request body exceeds the limit of 1024 bytes', details: { limit: 1024 } },
    });
  });

  it('413 for a chunked body that grows past the limit while streaming', async () => {
    const url = new URL(await start());
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: '/echo', method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{"a":"');
      for (let i = 0; i < 8; i++) req.write('x'.repeat(512));
      req.end('"}');
    });
    expect(status).toBe(413);
  });

  it('accepts a valid body and reaches the handler with params and query', async () => {
    const url = await start();
    const posted = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":"world"}' });
    expect(posted.status).toBe(201);
    expect(await json(posted)).toEqual({ got: { hello: 'world' } });
    const got = await fetch(`${url}/items/a%20b?q=1`);
    expect(await json(got)).toEqual({ id: 'a b', q: '1' });
    const deleted = await fetch(`${url}/items/a`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
  });

  it('a handler error keeps its code, status and details', async () => {
    const url = await start();
    const response = await fetch(`${url}/conflict`);
    expect(response.status).toBe(409);
    expect(await json(response)).toEqual({ error: { code: 'conflict', message: 'already there', details: { id: 'x' } } });
  });

  it('a handler that throws is a 500 without internals', async () => {
    const url = await start();
    const response = await fetch(`${url}/bug`);
    expect(response.status).toBe(500);
    expect(await json(response)).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
  });
});

describe('CORS', () => {
  const cors = {
    'server.cors.enabled': true,
    'server.cors.allowed_origins': 'https://app.example',
    'server.cors.max_age': '5m',
  };

  it('adds headers for an allowed origin and none for others', async () => {
    const url = await start(undefined, cors);
    const allowed = await fetch(`${url}/api/v1/health`, { headers: { origin: 'https://app.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('vary')).toBe('Origin');
    // A browser may read the request id (to quote it) and when to retry.
    expect(allowed.headers.get('access-control-expose-headers')).toBe('x-request-id, retry-after');
    const other = await fetch(`${url}/api/v1/health`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers an allowed preflight with 204 and refuses others with the envelope', async () => {
    const url = await start(undefined, cors);
    const preflight = await fetch(`${url}/echo`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    expect(preflight.headers.get('access-control-max-age')).toBe('300');
    const refused = await fetch(`${url}/echo`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(refused.status).toBe(403);
    expect(await json(refused)).toEqual({ error: { code: 'origin_not_allowed', message: 'CORS preflight refused: origin https://evil.example is not allowed' } });
  });
});

describe('graceful close', () => {
  it('stops accepting, lets an in-flight request finish, then closes', async () => {
    const url = await start();
    const inFlight = fetch(`${url}/slow`);
    await waitFor(() => server!.inFlight === 1);
    const closing = server!.close();
    await expect(fetch(`${url}/api/v1/health`)).rejects.toThrow();
    releaseSlow();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ slow: true });
    expect(await closing).toBe(true);
  });

  it('gives up waiting after shutdown_timeout', async () => {
    const url = await start(undefined, { 'server.shutdown_timeout': '200ms' });
    void fetch(`${url}/slow`).catch(() => undefined);
    await waitFor(() => server!.inFlight === 1);
    expect(await server!.close()).toBe(false);
    releaseSlow();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('listening', () => {
  it('takes the port exclusively: a second server on it is refused with "port N is in use"', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    // A fixed port: the kernel never lets two sockets share a port it picked itself, exclusive or not.
    const config = testConfig({ 'server.port': port });
    server = createHttpServer(config, testRoutes, silent);
    (await server.listen())._unsafeUnwrap();
    const second = createHttpServer(config, testRoutes, silent);
    expect((await second.listen())._unsafeUnwrapErr()).toEqual({ kind: 'ListenFailed', host: '127.0.0.1', port, inUse: true, reason: `port ${port} is in use` });
    await second.close();
  });
});
