/**
 * Building the session pool the server runs: the agent runner from `agent.*` (tenant directories and the PID
 * registry under `agent.data_dir`), the pool settings from config, optionally the development inspector and where
 * the pool reads the sessions a previous run left (the server gives its `pool-sessions` projection), and the
 * `--max-budget-usd` cap of a tenant's new processes (its remaining budget).
 */
import { resolve, join } from 'node:path';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import type { Logger } from 'pino';
import { createAgentRunner, describeAgentError, PidRegistry } from '../agent/index.js';
import type { Config } from '../config/index.js';
import { describePoolError, poolSettings, SessionPool, type SessionPoolDeps } from '../pool/index.js';
import { createInspectorHook, DEFAULT_INSPECTOR_URL, formatRuntimeError, INSPECTOR_RETRY_MS, type HostObserver } from '../runtime/index.js';
import type { EventStore } from '../store/index.js';

/** `--inspect`: off, or the inspector's WebSocket URL (`true` for the default loopback one). */
export type InspectOption = string | boolean | undefined;

/** Opens the pool for `config` over `store`; the error is a message naming what to change. */
export function openConfiguredPool(
  config: Config,
  store: EventStore,
  logger: Logger,
  env: Readonly<Record<string, string | undefined>>,
  inspect: InspectOption,
  storedSessions?: SessionPoolDeps['storedSessions'],
  budgetCapUsd?: SessionPoolDeps['budgetCapUsd'],
): ResultAsync<SessionPool, string> {
  const dataDir = resolve(config.agent.data_dir);
  const registry = PidRegistry.open(dataDir);
  if (registry.isErr()) return errAsync(`agent.data_dir "${config.agent.data_dir}": ${describeAgentError(registry.error)}`);
  const launcher = createAgentRunner({ agent: config.agent, tenantsRoot: join(dataDir, 'tenants'), registry: registry.value, baseEnv: env });
  return inspectorObservers(config, inspect, env, logger).andThen((observers) =>
    SessionPool.open({ store, launcher, settings: poolSettings(config), observers, logger: logger.child({ component: 'pool' }), ...(storedSessions === undefined ? {} : { storedSessions }), ...(budgetCapUsd === undefined ? {} : { budgetCapUsd }) }).mapErr(describePoolError),
  );
}

function inspectorObservers(
  config: Config,
  inspect: InspectOption,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
): ResultAsync<HostObserver[], string> {
  if (inspect === undefined || inspect === false) return okAsync([]);
  const environment = env['NODE_ENV'];
  const url = typeof inspect === 'string' ? inspect : DEFAULT_INSPECTOR_URL;
  const retrySeconds = INSPECTOR_RETRY_MS / 1000;
  return createInspectorHook({
    url,
    ...(environment === undefined ? {} : { environment }),
    // Once per outage: the hook keeps retrying, and events are held back (the latest 200) until it connects.
    onUnreachable: (reason) =>
      logger.warn({ inspector: url, reason }, `cannot reach the Stately inspector at ${url}; retrying every ${retrySeconds} s (start an inspector there, or drop --inspect)`),
    onConnected: () => logger.info({ inspector: url }, `connected to the Stately inspector at ${url}`),
  })
    .map((hook) => {
      logger.info({ inspector: hook.url, profile: config.features.profile }, `reporting actors to the Stately inspector at ${hook.url}`);
      return [hook];
    })
    .mapErr((error) => `--inspect: ${formatRuntimeError(error)}`);
}
