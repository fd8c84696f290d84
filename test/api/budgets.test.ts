/**
 * Per-tenant budgets end to end (real server on loopback, fake claude): `--max-budget-usd` passed to the agent, a turn
 * refused over REST and WebSocket once the day's USD is spent, a session refused before it is created or woken,
 * `BudgetExhausted` stored once, a limit raised at run time, the usage route and metrics equal to the results' sums,
 * and who may read or change a tenant's budget.
 */
import { describe, expect, it } from 'vitest';
import { BUDGET_EVENT, BUDGETS_STREAM } from '../../machines/index.js';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { AUTH_ON, bearerOf, callWith, testJwt } from '../support/auth-api.js';
import { until, waitForState } from '../pool/support.js';
import { WsClient } from '../ws/ws-client.js';

const acmeBudget = (limits: Record<string, number>): Record<string, string | boolean> => ({
  ...AUTH_ON,
  'security.rate_limits.enabled': false,
  'budgets.tenants': JSON.stringify([{ tenant: 'acme', ...limits }]),
});

interface StoredEvent {
  readonly type: string;
  readonly data: { readonly text?: string; readonly content?: { readonly text?: string }; readonly costUsd?: number; readonly usage?: { inputTokens: number; outputTokens: number }; readonly isError?: boolean };
}

async function history(api: TestApi, credentials: Record<string, string>, id: string): Promise<StoredEvent[]> {
  const reply = await callWith(api, 'GET', `/sessions/${id}/events`, credentials);
  expect(reply.status).toBe(200);
  return reply.body.events as StoredEvent[];
}

/** Sends `text` and waits for the turn's result; returns the session's events. */
async function turn(api: TestApi, credentials: Record<string, string>, id: string, text: string): Promise<StoredEvent[]> {
  const before = (await history(api, credentials, id)).filter((event) => event.type === 'TurnCompleted').length;
  const sent = await callWith(api, 'POST', `/sessions/${id}/messages`, credentials, { text });
  expect(sent.status).toBe(202);
  let events: StoredEvent[] = [];
  await until('the condition', async () => (events = await history(api, credentials, id)).filter((event) => event.type === 'TurnCompleted').length > before, 8_000);
  return events;
}

const lastAnswer = (events: readonly StoredEvent[]): string =>
  events.filter((event) => event.type === 'AgentOutputReceived' && event.data.content?.text !== undefined).at(-1)?.data.content?.text ?? '';

/** The `--max-budget-usd` value in an `::argv` answer, or `null` when the flag is absent. */
function capIn(answer: string): string | null {
  const argv = JSON.parse(answer.replace(/^argv: /, '')) as string[];
  const at = argv.indexOf('--max-budget-usd');
  return at < 0 ? null : argv[at + 1]!;
}

async function usageOf(api: TestApi, credentials: Record<string, string>, tenant = 'acme'): Promise<any> {
  const reply = await callWith(api, 'GET', `/tenants/${tenant}/usage`, credentials);
  expect(reply.status).toBe(200);
  return reply.body;
}

describe('budgets per tenant', () => {
  it('caps the agent at what is left, refuses turns and new sessions once the day is spent (REST and WS), and takes a raised limit at run time', async () => {
    const api = await startTestApi(acmeBudget({ max_usd_per_day: 0.5 }));
    const ada = await bearerOf('ada', 'acme', 'user');
    const admin = await bearerOf('root', 'acme', 'admin');
    const created = await callWith(api, 'POST', '/sessions', ada, {});
    expect(created.status).toBe(201);
    const id = created.body.session.id as string;
    await waitForState(api.pool, id, 'ready');

    // The process started with the whole day's budget as its cap.
    let events = await turn(api, ada, id, '::argv ::cost 0.2');
    expect(capIn(lastAnswer(events))).toBe('0.5');

    // This turn takes the process past its cap: the CLI ends it on the budget, and the session hibernates.
    events = await turn(api, ada, id, 'a long one ::cost 0.35');
    const spent = events.filter((event) => event.type === 'TurnCompleted').at(-1)?.data;
    expect(spent?.isError).toBe(true);
    expect(spent?.costUsd).toBeCloseTo(0.35, 9);
    await waitForState(api.pool, id, 'hibernated');
    await until('the condition', async () => (await usageOf(api, ada)).day.usd >= 0.55, 5_000);

    // Refused before the turn: REST ...
    const refused = await fetch(`${api.url}/api/v1/sessions/${id}/messages`, { method: 'POST', headers: { ...ada, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'more' }) });
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { error: { code: string; message: string; details: Record<string, unknown> } };
    const midnight = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1)).toISOString();
    expect(body.error).toMatchObject({ code: 'budget_exhausted', details: { tenant: 'acme', limit: 'maxUsdPerDay', max: 0.5, remaining: { usd: 0, tokens: null, liveSessions: null }, resetsAt: midnight } });
    expect(body.error.details['used']).toBeCloseTo(0.55, 9);
    expect(body.error.message).toContain('resets at');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // ... and WebSocket, with the same error.
    const client = await WsClient.hello(`${api.wsUrl}/api/v1/ws`, { token: await testJwt('ada', 'acme', 'user') });
    client.send({ type: 'subscribe', session: id, ref: 'sub' });
    await client.next((frame) => frame['ref'] === 'sub' && frame.type === 'subscribed');
    client.send({ type: 'send', session: id, text: 'more', clientMsgId: 'ws-1', ref: 'send' });
    const answer = await client.next((frame) => frame['ref'] === 'send' && frame.type !== 'event');
    expect(answer).toMatchObject({ type: 'error', code: 'budget_exhausted', details: { limit: 'maxUsdPerDay', resetsAt: midnight } });
    client.close();
    // ... and before a new session is created: nothing is provisioned.
    const sessionsBefore = (await callWith(api, 'GET', '/sessions', ada)).body;
    expect((await callWith(api, 'POST', '/sessions', ada, {})).body.error.code).toBe('budget_exhausted');
    expect((await callWith(api, 'GET', '/sessions', ada)).body).toEqual(sessionsBefore);
    // Nothing of these refusals was stored in the session.
    expect((await history(api, ada, id)).filter((event) => event.type === 'MessageAccepted')).toHaveLength(2);

    // The tenant reached its limit once: one BudgetExhausted for the day, however many refusals.
    const exhausted = async () => (await api.store.readStream(BUDGETS_STREAM))._unsafeUnwrap().filter((event) => event.type === BUDGET_EVENT.exhausted);
    await until('the condition', async () => (await exhausted()).length > 0, 5_000);

    // An admin raises the limit: the next message wakes the session with a process capped at what is left now.
    const raised = await callWith(api, 'PUT', '/tenants/acme/budget', admin, { maxUsdPerDay: 5 });
    expect(raised.status).toBe(200);
    expect(raised.body.limits.maxUsdPerDay).toBe(5);
    expect(raised.body.remaining.usd).toBeCloseTo(4.45, 9);
    events = await turn(api, ada, id, '::argv');
    expect(capIn(lastAnswer(events))).toBe('4.45');
    expect((await api.store.readStream(BUDGETS_STREAM))._unsafeUnwrap().filter((event) => event.type === BUDGET_EVENT.changed).map((event) => event.data)).toEqual([
      expect.objectContaining({ tenant: 'acme', limits: { maxUsdPerDay: 5 }, by: 'root' }),
    ]);

    // Still one BudgetExhausted for the day, however many refusals (checked after everything else that came since).
    expect((await exhausted()).map((event) => event.data)).toEqual([expect.objectContaining({ tenant: 'acme', limit: 'maxUsdPerDay', max: 0.5, resetsAt: Date.parse(midnight) })]);

    // Usage and metrics are the sums of the turns' results.
    const results = events.filter((event) => event.type === 'TurnCompleted').map((event) => event.data);
    const usd = results.reduce((sum, data) => sum + (data.costUsd ?? 0), 0);
    const input = results.reduce((sum, data) => sum + (data.usage?.inputTokens ?? 0), 0);
    const output = results.reduce((sum, data) => sum + (data.usage?.outputTokens ?? 0), 0);
    let usage: any;
    await until('the condition', async () => (usage = await usageOf(api, ada)).totals.turns === 3, 5_000);
    expect(usage.day.usd).toBeCloseTo(usd, 9);
    expect(usage.month.usd).toBeCloseTo(usd, 9);
    expect(usage.day.tokens).toBe(input + output);
    expect(usage.totals).toMatchObject({ inputTokens: input, outputTokens: output, turns: 3 });
    expect(usage.totals.usd).toBeCloseTo(usd, 9);
    expect(usage.liveSessions).toBe(1);
    const metrics = await (await fetch(`${api.url}/metrics`, { headers: admin })).text();
    expect(Number(/^aicli_tenant_cost_usd_total\{tenant="acme"\} (\S+)$/m.exec(metrics)?.[1])).toBeCloseTo(usd, 9);
    expect(metrics).toMatch(new RegExp(`^aicli_tenant_tokens_total\\{tenant="acme",kind="input"\\} ${input}$`, 'm'));
    expect(metrics).toMatch(new RegExp(`^aicli_tenant_tokens_total\\{tenant="acme",kind="output"\\} ${output}$`, 'm'));
    expect(metrics).toMatch(/^aicli_tenant_live_sessions\{tenant="acme"\} 1$/m);
  }, 30_000);

  it('refuses to create or wake a session past the live-session limit; other tenants fold into one metric label', async () => {
    const api = await startTestApi(acmeBudget({ max_live_sessions: 2 }));
    const ada = await bearerOf('ada', 'acme', 'user');
    const ids: string[] = [];
    for (let n = 0; n < 2; n += 1) {
      const created = await callWith(api, 'POST', '/sessions', ada, {});
      expect(created.status).toBe(201);
      ids.push(created.body.session.id as string);
    }
    await until('the condition', async () => (await usageOf(api, ada)).liveSessions === 2, 5_000);
    const refused = await fetch(`${api.url}/api/v1/sessions`, { method: 'POST', headers: { ...ada, 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(((await refused.json()) as { error: unknown }).error).toMatchObject({ code: 'budget_exhausted', details: { limit: 'maxLiveSessions', used: 2, max: 2, resetsAt: null, remaining: { liveSessions: 0 } } });
    // Joining a session of one's own with `share` takes no new place.
    const joined = await callWith(api, 'POST', '/sessions', ada, { share: true });
    expect(joined.status).toBe(200);
    expect(ids).toContain(joined.body.session.id);

    // A hibernated session frees its place; waking it again would take one more than the limit.
    await waitForState(api.pool, ids[0]!, 'ready');
    (await api.pool.hibernate(ids[0]!))._unsafeUnwrap();
    await until('the condition', async () => (await usageOf(api, ada)).liveSessions === 1, 5_000);
    const third = await callWith(api, 'POST', '/sessions', ada, {});
    expect(third.status).toBe(201);
    await until('the condition', async () => (await usageOf(api, ada)).liveSessions === 2, 5_000);
    const wake = await callWith(api, 'POST', `/sessions/${ids[0]!}/messages`, ada, { text: 'wake up' });
    expect(wake.status).toBe(429);
    expect(wake.body.error.details.limit).toBe('maxLiveSessions');
    expect((await api.pool.snapshot(ids[0]!))._unsafeUnwrap().value).toBe('hibernated');
    // A message to a session that is already live takes no new place.
    await waitForState(api.pool, ids[1]!, 'ready');
    expect((await callWith(api, 'POST', `/sessions/${ids[1]!}/messages`, ada, { text: 'hi' })).status).toBe(202);

    // Tenants not configured share the `other` label; configured ones are listed from the start.
    const bob = await bearerOf('bob', 'globex', 'user');
    expect((await callWith(api, 'POST', '/sessions', bob, {})).status).toBe(201);
    const metrics = async () => (await fetch(`${api.url}/metrics`, { headers: await bearerOf('root', 'acme', 'admin') })).text();
    await until('the condition', async () => /^aicli_tenant_live_sessions\{tenant="other"\} 1$/m.test(await metrics()), 5_000);
    expect(await metrics()).not.toContain('tenant="globex"');
  }, 30_000);

  it('shows a tenant its own usage, admins any, and lets only admins change a budget (audited)', async () => {
    const api = await startTestApi(acmeBudget({ max_usd_per_month: 10 }));
    const fresh = await startTestApi({ ...AUTH_ON, 'security.rate_limits.enabled': false });
    // Configured tenants start at 0.
    expect(await (await fetch(`${fresh.url}/metrics`, { headers: await bearerOf('root', 'acme', 'admin') })).text()).not.toMatch(/aicli_tenant_cost_usd_total\{/);
    expect(await (await fetch(`${api.url}/metrics`, { headers: await bearerOf('root', 'acme', 'admin') })).text()).toMatch(/^aicli_tenant_cost_usd_total\{tenant="acme"\} 0$/m);

    const viewer = await bearerOf('vic', 'acme', 'viewer');
    expect((await usageOf(api, viewer)).limits).toEqual({ maxUsdPerDay: 0, maxUsdPerMonth: 10, maxTokensPerDay: 0, maxTokensPerMonth: 0, maxLiveSessions: 0 });
    expect((await callWith(api, 'GET', '/tenants/acme/usage', await bearerOf('bob', 'globex', 'operator'))).status).toBe(404);
    expect((await callWith(api, 'GET', '/tenants/acme/usage', await bearerOf('root', 'globex', 'admin'))).status).toBe(200);

    for (const role of ['operator', 'user', 'viewer']) {
      expect((await callWith(api, 'PUT', '/tenants/acme/budget', await bearerOf('x', 'acme', role), { maxUsdPerMonth: 99 })).status).toBe(403);
    }
    const admin = await bearerOf('root', 'acme', 'admin');
    expect((await callWith(api, 'PUT', '/tenants/acme/budget', admin, {})).status).toBe(400);
    expect((await callWith(api, 'PUT', '/tenants/acme/budget', admin, { maxUsdPerMonth: -1 })).status).toBe(400);
    const changed = await callWith(api, 'PUT', '/tenants/acme/budget', admin, { maxUsdPerMonth: 20, maxLiveSessions: 3 });
    expect(changed.body.limits).toMatchObject({ maxUsdPerMonth: 20, maxLiveSessions: 3 });
    // null gives the configured value back.
    expect((await callWith(api, 'PUT', '/tenants/acme/budget', admin, { maxUsdPerMonth: null })).body.limits).toMatchObject({ maxUsdPerMonth: 10, maxLiveSessions: 3 });

    let entries: any[] = [];
    await until('the condition', async () => (entries = (await callWith(api, 'GET', '/audit?action=budget.changed', admin)).body.events ?? []).length === 2, 5_000);
    expect(entries[0]).toMatchObject({ action: 'budget.changed', outcome: 'allowed', actor: { userId: 'root' }, target: { tenant: 'acme' } });
  }, 30_000);
});
