/**
 * `aicli-api` (serve): open the event store and the session pool, start the server, log one startup line, and on
 * SIGINT/SIGTERM shut down gracefully — stop accepting, drain in-flight requests, close the pool (every session
 * with a process hibernates, a busy one's turns end as `TurnAborted` with reason `shutdown`, every agent process
 * stops), close the store, exit 0. A second signal during shutdown exits at once with status 1. The data directory
 * and an SQLite store file are locked first (see instance-locks.ts).
 */
import { errAsync, ok, okAsync, ResultAsync } from 'neverthrow';
import type { Logger } from 'pino';
import { PACKAGE_VERSION, type Config } from '../config/index.js';
import { createLogger } from '../observability/logger.js';
import { createAuditWriter } from '../audit/index.js';
import { createApiServer } from '../server/api.js';
import { budgetsOver } from '../budgets/index.js';
import { measureStoreAppends } from '../observability/store-metrics.js';
import {
  ensureGeneratedCredentials,
  needsGeneratedCredentials,
  openAuthenticator,
  storedKeyLookup,
  withGeneratedCredentials,
  type GeneratedCredentials,
} from '../server/auth/index.js';
import { healthRoutes } from '../server/routes/health.js';
import { API_KEYS, POOL_SESSIONS, storeProjections } from '../../projections/index.js';
import { poolSettings, storedSessionsOf } from '../pool/index.js';
import { createProjectionHost, formatProjectionHostError } from '../projections/index.js';
import { logCheckpoint } from './checkpoint-log.js';
import { systemClock } from '../runtime/index.js';
import type { ReadinessProbe } from '../runtime/readiness.js';
import { agentCommandProbe } from './agent-probe.js';
import { EXIT_CODES } from './exit-codes.js';
import { lockServerResources } from './instance-locks.js';
import { describeStoreOpenFailure, openConfiguredStore, reportUnreadableEvents, serverStore, storeProbe } from './store-from-config.js';
import { loadStoreKeyring, type LoadedKeyring } from './store-keyring.js';
import { formatKeyringInvalid } from '../store/index.js';
import { openConfiguredPool, type InspectOption } from './pool-from-config.js';
import { startConfiguredWebhooks } from './webhooks-from-config.js';
import { webhookSettings, type WebhookSettings } from '../webhooks/index.js';

/** The process facilities serve uses; injectable so tests can drive shutdown without real signals. */
export interface ServeIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Registers a handler for the next stop signal (SIGINT/SIGTERM); the entry point exits on the second. */
  readonly onSignal: (handler: (signal: string) => void) => void;
  readonly logger?: Logger;
  /** Where the generated admin key is printed, once (not the log: logs are kept and shipped); default process.stderr. */
  readonly stderr?: (text: string) => void;
}

/** Options of the serve command itself (not configuration). */
export interface ServeOptions {
  /** Report actors to the Stately inspector (development only). */
  readonly inspect?: InspectOption;
  /** `--refold`: ignore the saved projection checkpoints and fold the whole log. */
  readonly refold?: boolean;
}

/** Logged at start when `auth.enabled` is false. */
export const AUTH_DISABLED_WARNING =
  'auth.enabled is false: every caller is an admin and names itself; for local development only (the server binds loopback only)';

/** Runs the server until a signal stops it; resolves with the exit code. */
export async function serve(config: Config, warnings: readonly string[], io: ServeIo, options: ServeOptions = {}): Promise<number> {
  const logger = io.logger ?? createLogger(config.logging.level);
  for (const warning of warnings) logger.warn(warning);

  // Before the store and the pool: a second server on this data directory or store file must neither reap the
  // first one's agents nor write to its store. Held until the server has stopped.
  const locked = await lockServerResources(config, logger);
  if (locked.isErr()) {
    logger.fatal(locked.error);
    return EXIT_CODES.failure;
  }
  try {
    // Under the lock, so two servers starting on one data directory cannot both generate credentials.
    const generated = needsGeneratedCredentials(config.auth) ? ensureGeneratedCredentials(config.agent.data_dir, config.auth) : ok(undefined);
    if (generated.isErr()) {
      const { path, reason } = generated.error;
      logger.fatal({ path }, `cannot use the generated credentials in ${path}: ${reason} (fix or remove the file, or configure auth.jwt / auth.api_keys)`);
      return EXIT_CODES.failure;
    }
    for (const warning of generated.value?.warnings ?? []) logger.warn(warning);
    // Also under the lock: the first start generates the store key file.
    const keys = loadStoreKeyring(config, io.env, { generate: true });
    if (keys.isErr()) {
      logger.fatal({ where: keys.error.where }, `${formatKeyringInvalid(keys.error)} (security.encryption)`);
      return EXIT_CODES.config;
    }
    for (const warning of keys.value.warnings) logger.warn(warning);
    // Before the store opens: a webhook secret_env that is unset is a configuration error.
    const hooks = webhookSettings(config, io.env);
    if (hooks.isErr()) {
      for (const problem of hooks.error) logger.fatal(`invalid configuration: ${problem}`);
      return EXIT_CODES.config;
    }
    return await serveLocked(config, generated.value, keys.value, hooks.value, io, options, logger);
  } finally {
    locked.value.release();
  }
}

/** Says where the store keys came from, once. */
function logKeyring(logger: Logger, config: Config, keys: LoadedKeyring): void {
  const { enabled } = config.security.encryption;
  if (!enabled) logger.warn({ keys: keys.source }, 'security.encryption.enabled is false: new events are stored in clear (events encrypted before are still decrypted with the keys found)');
  else if (keys.generated) logger.info({ keys: keys.source }, `encryption at rest: generated the store key in ${keys.source}; back it up apart from the store: without it the encrypted fields cannot be read`);
  else logger.info({ keys: keys.source, current: keys.keyring.current?.id }, `encryption at rest: keys from ${keys.source}, new events use key ${keys.keyring.current?.id}`);
}

async function serveLocked(config: Config, generated: GeneratedCredentials | undefined, keys: LoadedKeyring, hooks: WebhookSettings, io: ServeIo, options: ServeOptions, logger: Logger): Promise<number> {
  const onUnreadable = reportUnreadableEvents((message, error) => logger.error({ stream: error.stream, revision: error.revision.toString(), key: error.keyId, reason: error.reason }, message));
  // Adapters may connect lazily (EventStoreDB): one ping so an unreachable store is reported as such, naming store.url.
  const opened = await openConfiguredStore(config, keys.keyring, onUnreadable).andThen((store) =>
    store
      .ping()
      .map(() => store)
      .orElse((error) => ResultAsync.fromSafePromise(store.close()).andThen(() => errAsync(error))),
  );
  if (opened.isErr()) {
    const { message, exitCode } = describeStoreOpenFailure(config, opened.error);
    logger.fatal({ store: config.store.url }, `cannot open the event store: ${message}`);
    return exitCode;
  }
  const { store, metrics: storeMetrics } = measureStoreAppends(serverStore(opened.value, config.store.url, logger));

  // The status API and the pool's restore read projections of the whole log: restore them from their checkpoints
  // and fold the tail (or the whole log when a checkpoint is missing or refused) before answering anyone.
  const projections = createProjectionHost(store, {
    projections: storeProjections(poolSettings(config).name),
    checkpoints: { refold: options.refold === true },
    onCheckpoint: (note) => logCheckpoint(logger, note),
  });
  projections.onError((error) => logger.error(formatProjectionHostError(error)));
  const folded = await projections.start();
  if (folded.isErr()) {
    logger.fatal(formatProjectionHostError(folded.error));
    await projections.close();
    await store.close();
    return EXIT_CODES.failure;
  }

  // Nothing has appended to a session stream since the fold caught up: the list is the log's.
  const storedSessions = () => okAsync(storedSessionsOf(projections.state(POOL_SESSIONS)));
  // Run-time API keys are found in the api-keys projection, so the authenticator is built once it has caught up.
  const authenticated = await openAuthenticator(generated === undefined ? config.auth : withGeneratedCredentials(config.auth, generated), storedKeyLookup(() => projections.state(API_KEYS)));
  if (authenticated.isErr()) {
    for (const problem of authenticated.error.problems) logger.fatal(`invalid configuration: ${problem}`);
    await projections.close();
    await store.close();
    return EXIT_CODES.config;
  }
  const auth = authenticated.value;

  // Budgets read the tenant-budgets projection; new agent processes get the tenant's remaining USD as their cap.
  const budgets = budgetsOver(config.budgets, projections, store, () => systemClock.now(), (error) => logger.warn({ error }, 'budgets: could not record BudgetExhausted'));
  const pooled = await openConfiguredPool(config, store, logger, io.env, options.inspect, storedSessions, (tenant) => budgets.capUsd(tenant));
  if (pooled.isErr()) {
    logger.fatal(`cannot start the session pool: ${pooled.error}`);
    await projections.close();
    await store.close();
    return EXIT_CODES.failure;
  }
  const pool = pooled.value;

  const probes: ReadinessProbe[] = [storeProbe(store, config.store.url), agentCommandProbe(config.agent.command, io.env.PATH)];
  const startedAt = new Date();
  const health = healthRoutes({ version: PACKAGE_VERSION, profile: config.features.profile, startedAt, probes });
  const audit = createAuditWriter(store, { clock: systemClock, logger: logger.child({ component: 'audit' }) });
  const api = createApiServer({ config, pool, store, auth, audit, logger, clock: systemClock, projections, budgets, storeMetrics }, health);
  const server = api.http;

  // Off the path of every append and ack: the dispatcher follows the store on its own subscription.
  const webhooks = await startConfiguredWebhooks(hooks, config, store, api.metrics, logger);
  if (webhooks.isErr()) {
    logger.fatal(webhooks.error);
    api.ws.close();
    await projections.close();
    await pool.close();
    await store.close();
    return EXIT_CODES.failure;
  }

  const listening = await server.listen();
  if (listening.isErr()) {
    const { host, port, reason } = listening.error;
    logger.fatal({ host, port }, `cannot listen on ${host}:${port}: ${reason} (server.port / --port)`);
    api.ws.close();
    await webhooks.value?.close();
    await projections.close();
    await pool.close();
    await store.close();
    return EXIT_CODES.failure;
  }
  const address = listening.value;
  // Before the listening line, so whoever waits for that line finds the key printed.
  if (generated?.newAdminKey != null) (io.stderr ?? ((text) => process.stderr.write(text)))(adminKeyNotice(generated, address.url));
  logger.info(
    { url: address.url, port: address.port, version: PACKAGE_VERSION, profile: config.features.profile, config_file: config.source.file, store: config.store.url },
    `aicli-api ${PACKAGE_VERSION} listening on ${address.url} (${config.features.profile} profile)`,
  );
  // Config validation refuses auth off on a non-loopback address; on loopback it is allowed, but said out loud.
  if (!config.auth.enabled) logger.warn({ host: config.server.host }, AUTH_DISABLED_WARNING);
  if (generated !== undefined) logger.info({ dir: generated.dir }, `auth: using the credentials generated in ${generated.dir} (configure auth.jwt or auth.api_keys to use your own)`);
  logKeyring(logger, config, keys);
  const status = pool.status();
  logger.info({ pool: { target: status.target, cap: status.cap, sessions: status.sessions.total, agent: config.agent.command } }, 'session pool ready');

  const signal = await new Promise<string>((resolve) => io.onSignal(resolve));
  logger.info({ signal, in_flight: server.inFlight }, `received ${signal}, shutting down`);
  io.onSignal((second) => logger.warn({ signal: second }, `received ${second} again, exiting immediately`));
  api.ws.close();
  const drained = await server.close();
  if (!drained) logger.warn({ timeout_ms: config.server.shutdown_timeout }, 'shutdown timeout reached with requests still in flight');
  // Closed after the server has drained, so every request that was accepted could still append: the pool
  // hibernates every session with a process and stops every agent process, then the store closes.
  await audit.close();
  // Attempts in flight are aborted and stay pending in their streams: the next start resumes them.
  await webhooks.value?.close();
  await projections.close();
  await pool.close();
  await store.close();
  logger.info('stopped');
  return EXIT_CODES.ok;
}

/** What a first start prints about the admin key it generated (the only time the key is shown). */
export function adminKeyNotice(generated: GeneratedCredentials, url: string): string {
  return [
    '',
    'aicli-api: auth is on. Generated an admin API key; it is shown this once only (the server keeps its SHA-256):',
    '',
    `    ${generated.newAdminKey}`,
    '',
    'Send it as the x-api-key header, for example:',
    `    curl -H 'x-api-key: ${generated.newAdminKey}' ${url}/api/v1/sessions`,
    `Make more keys with \`aicli-api keys create --name NAME --role user\`. Generated files: ${generated.dir}`,
    '',
    '',
  ].join('\n');
}
