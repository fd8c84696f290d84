/**
 * Store faults, end to end over real sockets: a store that refuses writes (a read-only or full disk) or refuses
 * everything (an unreachable server) must give a clear error (logged, and 503 `store_unavailable` to the client,
 * never a 2xx), a failing health check, and no acknowledgement of anything it did not store. Once the fault
 * clears the server works again and everything acknowledged before is still there, once.
 *
 * Here the fault is injected into a working store (`FaultyStore`), so every adapter's failure shape is covered
 * whatever the machine allows; `store-faults.sqlite.test.ts` breaks a real SQLite file's disk and
 * `store-faults.esdb.test.ts` points the server at an EventStoreDB that is not there.
 */
import { createAuditWriter } from '../../src/audit/index.js';
import { budgetsOver } from '../../src/budgets/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { storeProjections } from '../../projections/index.js';
import { createAgentRunner, PidRegistry } from '../../src/agent/index.js';
import { serverStore, storeProbe } from '../../src/cli/store-from-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { poolSettings, SessionPool } from '../../src/pool/index.js';
import { createProjectionHost } from '../../src/projections/index.js';
import { systemClock } from '../../src/runtime/index.js';
import { createApiServer, type ApiServer } from '../../src/server/api.js';
import { openAuthenticator } from '../../src/server/auth/index.js';
import { healthRoutes } from '../../src/server/routes/health.js';
import { MemoryEventStore } from '../../src/store/index.js';
import { FAKE_CLAUDE } from '../agent/support.js';
import { POOL_TEST_CONFIG, until, waitForState } from '../pool/support.js';
import { testConfig } from '../support/config.js';
import { FaultyStore } from '../support/faulty-store.js';
import { WsClient } from '../ws/ws-client.js';
import { turnEndingProblems } from '../support/turn-ends.js';
import { callApi as call } from '../support/rest.js';

const READ_ONLY = 'write failed: attempt to write a readonly database';
const UNREACHABLE = 'EventStoreDB unavailable: 14 UNAVAILABLE: No connection established';

interface Faulty {
  readonly url: string;
  readonly store: FaultyStore;
  readonly pool: SessionPool;
  readonly logs: Record<string, unknown>[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The whole server in-process (pool with the fake claude, REST, WS, health) over a store that fails on request. */
async function startFaultyServer(): Promise<Faulty> {
  const root = mkdtempSync(join(tmpdir(), 'aicli-store-faults-'));
  cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
  const faulty = new FaultyStore(new MemoryEventStore());
  cleanups.push(() => faulty.close());
  const config = testConfig({ 'agent.command': FAKE_CLAUDE, ...POOL_TEST_CONFIG, 'server.shutdown_timeout': '1s' });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  // As serve runs it: the store's writes watched, its probe in the health check.
  const store = serverStore(faulty, 'faulty:', logger);
  const launcher = createAgentRunner({
    agent: config.agent,
    tenantsRoot: join(root, 'tenants'),
    registry: PidRegistry.open(join(root, 'state'))._unsafeUnwrap(),
    baseEnv: process.env,
  });
  const pool = (await SessionPool.open({ store, launcher, settings: poolSettings(config), autoMaintenance: false, logger: logger.child({ component: 'pool' }) }))._unsafeUnwrap();
  cleanups.push(() => pool.close());
  const projections = createProjectionHost(store, { projections: storeProjections() });
  (await projections.start())._unsafeUnwrap();
  cleanups.push(() => projections.close());
  const health = healthRoutes({ version: 'test', profile: 'basic', startedAt: new Date(), probes: [storeProbe(store, 'faulty:')] });
  const server: ApiServer = createApiServer({ config, pool, store, auth: (await openAuthenticator(config.auth))._unsafeUnwrap(), audit: createAuditWriter(store, { clock: systemClock, logger }), logger, clock: systemClock, projections, budgets: budgetsOver(config.budgets, projections, store, () => systemClock.now()) }, health);
  cleanups.push(async () => {
    server.ws.close();
    await server.http.close();
  });
  const address = (await server.http.listen())._unsafeUnwrap();
  return { url: address.url, store: faulty, pool, logs };
}

/** The texts of the session's stored `MessageAccepted` events, in order (read straight from the wrapped store). */
async function acceptedTexts(server: Faulty, sessionId: string): Promise<string[]> {
  const events = (await server.store.inner.readStream(`session-${sessionId}`))._unsafeUnwrap();
  return events.filter((event) => event.type === 'MessageAccepted').map((event) => (event.data as { text: string }).text);
}

async function readySession(server: Faulty): Promise<string> {
  const created = await call(server.url, 'POST', '/sessions', {});
  expect(created.status).toBe(201);
  const id = created.body.session.id as string;
  await waitForState(server.pool, id, 'ready');
  return id;
}

const idle = (server: Faulty, id: string) =>
  waitForState(server.pool, id, 'idle', (snapshot) => snapshot.context.currentTurn === null && snapshot.context.queuedMessages.length === 0);

describe.each([
  { name: 'writes refused (a read-only or full disk)', fault: { scope: 'writes' as const, reason: READ_ONLY } },
  { name: 'everything refused (an unreachable store)', fault: { scope: 'all' as const, reason: UNREACHABLE } },
])('store fault: $name', ({ fault }) => {
  it('answers 503 store_unavailable, fails health, acknowledges nothing unstored, and recovers with nothing lost', async () => {
    const server = await startFaultyServer();
    const id = await readySession(server);
    const before = await call(server.url, 'POST', `/sessions/${id}/messages`, { text: 'before the fault' });
    expect(before.status).toBe(202);
    await idle(server, id);
    expect((await call(server.url, 'GET', '/health')).status).toBe(200);

    server.store.fault = fault;

    // REST: a message and a new session are refused with a typed 503, never acknowledged.
    const during = await call(server.url, 'POST', `/sessions/${id}/messages`, { text: 'during the fault' });
    expect(during.status).toBe(503);
    expect(during.body.error).toMatchObject({ code: 'store_unavailable', message: expect.stringContaining(fault.reason) });
    const created = await call(server.url, 'POST', '/sessions', {});
    expect(created.status).toBe(503);
    expect(created.body.error.code).toBe('store_unavailable');

    // WebSocket: an error frame for the send, no ack.
    const client = await WsClient.hello(`${server.url.replace(/^http/, 'ws')}/api/v1/ws`, { userId: 'ada', tenant: 'acme' });
    client.send({ type: 'send', session: id, text: 'over ws during the fault', clientMsgId: 'ws-1', ref: 'w1' });
    const answer = await client.next((frame) => frame['ref'] === 'w1');
    expect(answer).toMatchObject({ type: 'error', code: 'store_unavailable' });
    expect(client.frames.filter((frame) => frame.type === 'ack')).toEqual([]);

    // Health says the store is down, as the critical check.
    const health = await call(server.url, 'GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'unavailable', checks: { store: { ready: false, critical: true, detail: expect.stringContaining(fault.reason) } } });

    // The log says what failed.
    expect(server.logs.some((line) => (line['level'] as number) >= 40 && JSON.stringify(line).includes(fault.reason))).toBe(true);

    server.store.fault = null;

    // Health recovers by itself (nothing has to be sent first), and the same session takes messages again.
    await until('health recovers', async () => (await call(server.url, 'GET', '/health')).status === 200);
    const after = await call(server.url, 'POST', `/sessions/${id}/messages`, { text: 'after the fault' });
    expect(after.status).toBe(202);
    await idle(server, id);
    client.send({ type: 'send', session: id, text: 'over ws after the fault', clientMsgId: 'ws-2', ref: 'w2' });
    expect(await client.next((frame) => frame['ref'] === 'w2')).toMatchObject({ type: 'ack' });
    await idle(server, id);
    expect(await acceptedTexts(server, id)).toEqual(['before the fault', 'after the fault', 'over ws after the fault']);
    expect((await call(server.url, 'POST', '/sessions', {})).status).toBe(201);
    client.close();
  });
});

describe('store fault during a turn', () => {
  it('a turn whose output could not be stored does not stay open, and the session answers again once the store is back', async () => {
    const server = await startFaultyServer();
    const id = await readySession(server);
    const sent = await call(server.url, 'POST', `/sessions/${id}/messages`, { text: '::slow 100 a reply that arrives while the disk is full' });
    expect(sent.status).toBe(202);
    server.store.fault = { scope: 'writes', reason: READ_ONLY };
    // The agent keeps talking and finishes its turn; none of it can be stored (its result included).
    await until('an append is refused', () => server.store.refusedAppends > 0);
    await quiet(() => server.store.refusedAppends, 600);
    server.store.fault = null;

    const events = async () => (await server.store.inner.readStream(`session-${id}`))._unsafeUnwrap();
    // The turn does not stay open: the session's watchdog (its deadline retried until the store takes it) ends it,
    // stores its TurnAborted in the same append, and recovers the agent.
    await until('the turn is no longer current', async () => (await server.pool.snapshot(id))._unsafeUnwrap().context.currentTurn === null, 10_000);
    expect((await events()).map((event) => event.type)).toContain('TimerElapsed');
    expect(turnEndingProblems(await events())).toEqual([]);

    await until('the session takes messages', async () => (await call(server.url, 'POST', `/sessions/${id}/messages`, { text: 'are you there?', clientMsgId: 'again' })).status === 202, 10_000);
    await until('the answer is stored', async () => (await events()).some((event) => JSON.stringify(event.data).includes('echo: are you there?')), 10_000);
    expect(await acceptedTexts(server, id)).toEqual(['::slow 100 a reply that arrives while the disk is full', 'are you there?']);
    await until('the second turn ends', async () => turnEndingProblems(await events()).length === 0, 10_000);
  });
});

/** Resolves once `count()` has not changed for `forMs` (the agent has stopped producing output); at most ten seconds. */
async function quiet(count: () => number, forMs: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = count();
  let since = Date.now();
  while (Date.now() - since < forMs) {
    if (Date.now() > deadline) throw new Error('never quiet');
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (count() !== last) {
      last = count();
      since = Date.now();
    }
  }
}

