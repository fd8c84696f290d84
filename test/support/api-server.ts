/**
 * The whole API in-process on a loopback port, over a session pool with the fake claude and the memory store
 * (see test/pool/support.ts), for end-to-end tests with real sockets. `afterEach` closes every server started.
 */
import { afterEach } from 'vitest';
import { createAuditWriter } from '../../src/audit/index.js';
import type { Logger } from 'pino';
import { createLogger } from '../../src/observability/logger.js';
import { createApiServer, type ApiServer } from '../../src/server/api.js';
import type { ApiDeps, StoreProjectionHost } from '../../src/server/api-deps.js';
import { API_KEYS, storeProjections } from '../../projections/index.js';
import { createProjectionHost } from '../../src/projections/index.js';
import { openAuthenticator, storedKeyLookup } from '../../src/server/auth/index.js';
import { systemClock } from '../../src/runtime/index.js';
import { budgetsOver, type TenantBudgets } from '../../src/budgets/index.js';
import { FAKE_CLAUDE } from '../agent/support.js';
import { openTestPool, POOL_TEST_CONFIG, type TestPool } from '../pool/support.js';
import { testConfig } from './config.js';

/** A running API server and what it runs on. */
export interface TestApi extends TestPool {
  readonly url: string;
  readonly wsUrl: string;
  readonly server: ApiServer;
  readonly deps: ApiDeps;
}

const servers: ApiServer[] = [];
const hosts: StoreProjectionHost[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.ws.close();
    await server.http.close();
  }
  await Promise.all(hosts.splice(0).map((host) => host.close()));
});

/** Starts the API with config `overrides` (any key, e.g. `'auth.enabled': true`) over a fresh test pool; `logger` replaces the silent one. */
export async function startTestApi(overrides: Record<string, string | number | boolean> = {}, options: { readonly logger?: Logger } = {}): Promise<TestApi> {
  // The pool starts first; the cap of its processes is read from the budgets once they exist (as serve wires them).
  let budgets: TenantBudgets | undefined;
  const testPool = await openTestPool(overrides, { budgetCapUsd: (tenant) => budgets?.capUsd(tenant) ?? null });
  const config = testConfig({ 'agent.command': FAKE_CLAUDE, ...POOL_TEST_CONFIG, 'server.shutdown_timeout': '1s', ...overrides });
  const projections = createProjectionHost(testPool.store, { projections: storeProjections() });
  (await projections.start())._unsafeUnwrap();
  budgets = budgetsOver(config.budgets, projections, testPool.store, () => systemClock.now());
  hosts.push(projections);
  const deps: ApiDeps = {
    config,
    pool: testPool.pool,
    store: testPool.store,
    auth: (await openAuthenticator(config.auth, storedKeyLookup(() => projections.state(API_KEYS))))._unsafeUnwrap(),
    audit: createAuditWriter(testPool.store, { clock: systemClock }),
    logger: options.logger ?? createLogger('silent'),
    clock: systemClock,
    projections,
    budgets,
  };
  const server = createApiServer(deps);
  servers.push(server);
  const address = (await server.http.listen())._unsafeUnwrap();
  return { ...testPool, url: address.url, wsUrl: address.url.replace(/^http/, 'ws'), server, deps };
}
