/**
 * The status API end to end: the session list, pool, WebSocket and breaker status, and Prometheus metrics,
 * read from the projections of a real pool's event log.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { until, waitForState } from '../pool/support.js';
import { startTestApi, type TestApi } from '../support/api-server.js';

async function get(api: TestApi, path: string, headers: Record<string, string> = { 'x-user-id': 'ada', 'x-tenant-id': 'acme' }): Promise<{ status: number; body: any; text: string; type: string | null }> {
  const response = await fetch(`${api.url}${path}`, { headers });
  const text = await response.text();
  const type = response.headers.get('content-type');
  return { status: response.status, text, type, body: type?.includes('json') === true ? JSON.parse(text) : undefined };
}

async function create(api: TestApi, user: string, tenant = 'acme'): Promise<string> {
  const response = await fetch(`${api.url}/api/v1/sessions`, { method: 'POST', headers: { 'x-user-id': user, 'x-tenant-id': tenant, 'content-type': 'application/json' }, body: '{}' });
  expect(response.status).toBe(201);
  const id = ((await response.json()) as { session: { id: string } }).session.id;
  await waitForState(api.pool, id, 'ready');
  return id;
}

describe('status API', () => {
  it('lists sessions from the projection: newest first, paginated, filtered, one tenant unless asked', async () => {
    const api = await startTestApi();
    const first = await create(api, 'ada');
    const second = await create(api, 'ada');
    const bobs = await create(api, 'bob');
    const other = await create(api, 'ada', 'globex');
    // Open mode: callers are admins, so they see the whole tenant (3 sessions), not another one.
    await until('the projection to catch up', async () => (await get(api, '/api/v1/sessions')).body.sessions.length === 3);
    const page = (await get(api, '/api/v1/sessions?limit=1&participant=ada')).body;
    expect(page.sessions.map((s: { id: string }) => s.id)).toEqual([second]);
    const next = (await get(api, `/api/v1/sessions?limit=1&participant=ada&cursor=${encodeURIComponent(page.nextCursor)}`)).body;
    expect(next.sessions.map((s: { id: string }) => s.id)).toEqual([first]);
    expect(next.nextCursor).toBeNull();
    expect(page.sessions[0]).toMatchObject({ tenant: 'acme', owner: 'ada', state: 'ready', participants: [{ userId: 'ada', role: 'owner' }] });
    // Filters by participant and, for admins, another tenant.
    const all = (await get(api, '/api/v1/sessions?participant=bob')).body.sessions.map((s: { id: string }) => s.id);
    expect(all).toEqual([bobs]);
    expect((await get(api, '/api/v1/sessions?tenant=globex')).body.sessions.map((s: { id: string }) => s.id)).toEqual([other]);
    expect((await get(api, '/api/v1/sessions?cursor=nonsense')).body.error).toMatchObject({ code: 'validation_failed' });
    expect((await get(api, '/api/v1/sessions?bogus=1')).status).toBe(400);
  });

  it('reports the pool, breakers and WebSocket status, and Prometheus metrics with the documented names', async () => {
    const api = await startTestApi({ 'session_pool.min_size': 1 });
    const id = await create(api, 'ada');
    (await api.pool.send(id, { userId: 'ada', text: 'hello' }))._unsafeUnwrap();
    await waitForState(api.pool, id, 'idle');
    const pool = (await get(api, '/api/v1/session-pool/status')).body;
    expect(pool).toMatchObject({ name: 'main', minSize: 1, maxSize: 4, target: 1, thresholds: { scaleUp: 0.8, scaleDown: 0.3 }, autoScaling: false });
    expect(pool.processes.inUse).toBe(1);
    await until('the projection to see the session idle', async () => (await get(api, '/api/v1/session-pool/status')).body.sessions.byState.idle === 1);
    const breakers = (await get(api, '/api/v1/breakers')).body;
    expect(breakers.breakers['agent-spawn']).toMatchObject({ state: 'closed' });
    expect(breakers.successRate).toBe(1);
    const ws = (await get(api, '/api/v1/websocket/status')).body;
    expect(ws).toMatchObject({ connections: { open: 0 }, maxConnections: 1000 });
    for (const path of ['/api/v1/metrics', '/metrics']) {
      const metrics = await get(api, path);
      expect(metrics.status).toBe(200);
      expect(metrics.type).toContain('text/plain');
      for (const name of ['aicli_session_pool_size{type="active"} 1', 'aicli_websocket_connections{state="connected"} 0', 'aicli_memory_pool_utilization', 'aicli_response_latency_histogram_bucket', 'aicli_process_cpu_seconds_total']) {
        expect(metrics.text).toContain(name);
      }
    }
    expect((await get(api, '/metrics')).text).toMatch(/aicli_response_latency_histogram_count\{method="GET",route="\/api\/v1\/session-pool\/status",status="200"\} [1-9]/);
  });

  it('with auth on, status needs an operator or admin; the list needs credentials', async () => {
    const key = (name: string) => createHash('sha256').update(name).digest('hex');
    const api = await startTestApi({ 'auth.enabled': true, 'auth.api_keys': JSON.stringify([{ id: 'ops', key_sha256: key('ops-key'), role: 'operator', tenant: 'acme' }, { id: 'ann', key_sha256: key('user-key'), role: 'user', tenant: 'acme' }]) });
    expect((await get(api, '/api/v1/session-pool/status', {})).status).toBe(401);
    expect((await get(api, '/api/v1/session-pool/status', { 'x-api-key': 'user-key' })).status).toBe(403);
    expect((await get(api, '/api/v1/session-pool/status', { 'x-api-key': 'ops-key' })).status).toBe(200);
    expect((await get(api, '/metrics', { 'x-api-key': 'ops-key' })).status).toBe(200);
    expect((await get(api, '/api/v1/sessions', { 'x-api-key': 'user-key' })).body).toEqual({ sessions: [], nextCursor: null });
  });
});
