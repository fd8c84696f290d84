/**
 * Malformed requests against the real session API: every route with a path parameter, every numeric query
 * parameter out of range, and bodies that are null or break a documented limit. Each is a typed 400 naming what
 * is wrong, stored history is unchanged, and the server keeps answering.
 */
import { describe, expect, it } from 'vitest';
import { createApiServer } from '../../src/server/api.js';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { waitForState } from '../pool/support.js';
import { rawHttp, type RawResponse } from '../support/raw-http.js';

const USER: [string, string][] = [['x-user-id', 'ada'], ['x-tenant-id', 'acme']];

function portOf(api: TestApi): number {
  return Number(new URL(api.url).port);
}

async function send(api: TestApi, method: string, target: string, body?: string): Promise<RawResponse> {
  const headers: [string, string][] = body === undefined ? USER : [...USER, ['content-type', 'application/json']];
  return rawHttp(portOf(api), { method, target, headers, ...(body === undefined ? {} : { body }) });
}

async function readySession(api: TestApi): Promise<string> {
  const created = await send(api, 'POST', '/api/v1/sessions', '{}');
  expect(created.status).toBe(201);
  const id = JSON.parse(created.body).session.id as string;
  await waitForState(api.pool, id, 'ready');
  return id;
}

async function history(api: TestApi, id: string): Promise<string> {
  const page = await send(api, 'GET', `/api/v1/sessions/${id}/events?limit=1000`);
  expect(page.status).toBe(200);
  return page.body;
}

/** Every route with a path parameter, with `{id}` and `{userId}` where the (possibly malformed) values go. */
const PARAM_ROUTES: Array<{ method: string; path: string; body?: string }> = [
  { method: 'GET', path: '/api/v1/sessions/{id}' },
  { method: 'DELETE', path: '/api/v1/sessions/{id}' },
  { method: 'POST', path: '/api/v1/sessions/{id}/messages', body: '{"text":"hi"}' },
  { method: 'POST', path: '/api/v1/sessions/{id}/interrupt' },
  { method: 'GET', path: '/api/v1/sessions/{id}/events' },
  { method: 'GET', path: '/api/v1/sessions/{id}/state' },
  { method: 'POST', path: '/api/v1/sessions/{id}/participants', body: '{"userId":"bob","role":"viewer"}' },
  { method: 'DELETE', path: '/api/v1/sessions/{id}/participants/{userId}' },
];

const MALFORMED = ['%FF', '%C0%AF', '%', '%zz', '%E0%A4%A'];

describe('malformed path parameters on the session API', () => {
  it('are 400 bad_request naming the parameter on every route, before auth, and change nothing', async () => {
    const api = await startTestApi();
    const id = await readySession(api);
    const before = await history(api, id);
    for (const route of PARAM_ROUTES) {
      for (const bad of MALFORMED) {
        for (const parameter of route.path.includes('{userId}') ? ['id', 'userId'] : ['id']) {
          const target = route.path.replace('{id}', parameter === 'id' ? bad : id).replace('{userId}', parameter === 'userId' ? bad : 'bob');
          const response = await send(api, route.method, target, route.body);
          const what = `${route.method} ${target}`;
          expect(response.status, what).toBe(400);
          expect(JSON.parse(response.body), what).toEqual({
            error: { code: 'bad_request', message: expect.stringContaining(`path parameter "${parameter}"`), details: { parameter } },
          });
        }
      }
    }
    expect(await history(api, id)).toBe(before);
    expect((await send(api, 'GET', `/api/v1/sessions/${id}`)).status).toBe(200);
  });
});

describe('numbers out of range in query parameters', () => {
  const OUT_OF_RANGE = ['Infinity', '-Infinity', '1e309', '-1e309', '9'.repeat(54), '1'.repeat(1000), 'NaN', '1.5', '-1', '9007199254740992'];

  it('are 400 validation_failed naming the parameter, on every numeric query parameter', async () => {
    const api = await startTestApi();
    const id = await readySession(api);
    const before = await history(api, id);
    const cases: Array<[string, string]> = [
      [`/api/v1/sessions/${id}/events`, 'from'],
      [`/api/v1/sessions/${id}/events`, 'limit'],
      [`/api/v1/sessions/${id}/state`, 'at'],
      ['/api/v1/sessions', 'limit'],
    ];
    for (const [path, parameter] of cases) {
      for (const value of OUT_OF_RANGE) {
        const response = await send(api, 'GET', `${path}?${parameter}=${value}`);
        const what = `${path}?${parameter}=${value.slice(0, 20)}`;
        expect(response.status, what).toBe(400);
        const error = JSON.parse(response.body).error;
        expect(error.code, what).toBe('validation_failed');
        expect(error.details.field, what).toBe(parameter);
        expect(error.message, what).toContain(`"${parameter}"`);
      }
    }
    expect(await history(api, id)).toBe(before);
  });

  it('the largest safe revision is still a valid (empty) page', async () => {
    const api = await startTestApi();
    const id = await readySession(api);
    const response = await send(api, 'GET', `/api/v1/sessions/${id}/events?from=9007199254740991`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ events: [], nextFrom: null });
  });
});

describe('bodies', () => {
  it('a body of null is 400 naming the body, never an empty object', async () => {
    const api = await startTestApi();
    const created = await send(api, 'POST', '/api/v1/sessions', 'null');
    expect(created.status).toBe(400);
    expect(JSON.parse(created.body).error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('request body') });
    const id = await readySession(api);
    const before = await history(api, id);
    const participants = await send(api, 'POST', `/api/v1/sessions/${id}/participants`, 'null');
    expect(participants.status).toBe(400);
    expect(await history(api, id)).toBe(before);
  });

  it('a metadata key over 100 characters is 400 naming the key; 100 is accepted', async () => {
    const api = await startTestApi();
    const long = 'k'.repeat(101);
    const refused = await send(api, 'POST', '/api/v1/sessions', JSON.stringify({ metadata: { [long]: 'v' } }));
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body).error).toMatchObject({ code: 'validation_failed', details: { field: `metadata.${long}` } });
    const accepted = await send(api, 'POST', '/api/v1/sessions', JSON.stringify({ metadata: { ['k'.repeat(100)]: 'v' } }));
    expect(accepted.status).toBe(201);
  });
});

describe('internal errors', () => {
  it('a route that throws is 500 with a request id and counted in aicli_internal_errors_total{transport="http"}', async () => {
    const api = await startTestApi();
    // A second server over the same dependencies, with one route that has a bug.
    const server = createApiServer(api.deps, [{ method: 'GET', pattern: '/api/v1/bug', handler: () => { throw new Error('a bug'); } }]);
    const { url } = (await server.http.listen())._unsafeUnwrap();
    try {
      const counted = async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        return Number(/^aicli_internal_errors_total\{transport="http"\} (\d+)$/m.exec(text)?.[1]);
      };
      expect(await counted()).toBe(0);
      const response = await fetch(`${url}/api/v1/bug`, { headers: { 'x-request-id': 'trace-1' } });
      expect(response.status).toBe(500);
      expect(response.headers.get('x-request-id')).toBe('trace-1');
      expect(await counted()).toBe(1);
      expect((await fetch(`${url}/api/v1/sessions`)).status).toBe(200);
    } finally {
      server.ws.close();
      await server.http.close();
    }
  });
});
