/**
 * What the REST routes and the WebSocket endpoint are built from: the configuration, the session pool (the
 * only way to act on sessions), the event store (history, replay, live fan-out), the projections, the
 * authenticator, the audit log, the per-tenant budgets, the logger and a clock.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { SessionPool } from '../pool/index.js';
import type { Clock } from '../runtime/index.js';
import type { EventStore } from '../store/index.js';
import type { StoreMetrics } from '../observability/store-metrics.js';
import type { AuditWriter } from '../audit/index.js';
import type { TenantBudgets } from '../budgets/index.js';
import type { Authenticator } from './auth/index.js';
import type { storeProjections } from '../../projections/index.js';
import type { ProjectionHost } from '../projections/index.js';

/** The projections of the event log the API reads (session list, pool status, error recovery). */
export type StoreProjectionHost = ProjectionHost<ReturnType<typeof storeProjections>>;

/** Shared dependencies of the API. */
export interface ApiDeps {
  readonly config: Config;
  readonly pool: SessionPool;
  readonly store: EventStore;
  readonly auth: Authenticator;
  /** Where the decision points record audit events (never slows or fails a request). */
  readonly audit: AuditWriter;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Started (caught up) before the server listens. */
  readonly projections: StoreProjectionHost;
  /** Per-tenant budgets, read from the projections (checked before a session opens and before each turn). */
  readonly budgets: TenantBudgets;
  /** The append metrics of `store`, when it is measured (`measureStoreAppends`), to register with the server's metrics. */
  readonly storeMetrics?: StoreMetrics;
}
