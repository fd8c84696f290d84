/**
 * The projections the server folds from the event store, keyed by name, for `createProjectionHost`. The
 * `websocket-status` fold is not among them: the WebSocket server feeds it its own connection events.
 */
import { API_KEYS, apiKeysProjection } from './api-keys.js';
import { ERROR_RECOVERY, errorRecoveryProjection } from './error-recovery.js';
import { POOL_SESSIONS, poolSessionsProjection } from './pool-sessions.js';
import { POOL_STATUS, poolStatusProjection } from './pool-status.js';
import { SESSION_LIST, sessionListProjection } from './session-list.js';
import { TENANT_BUDGETS, tenantBudgetsProjection } from './tenant-budgets.js';

/** The store projections of a server whose pool is `poolName` (`main` by default); `pool-sessions` is what its pool restores at start, `api-keys` what its authenticator consults, `tenant-budgets` what its budget checks read. */
export function storeProjections(poolName = 'main') {
  return {
    [SESSION_LIST]: sessionListProjection,
    [POOL_STATUS]: poolStatusProjection(poolName),
    [ERROR_RECOVERY]: errorRecoveryProjection,
    [POOL_SESSIONS]: poolSessionsProjection,
    [API_KEYS]: apiKeysProjection,
    [TENANT_BUDGETS]: tenantBudgetsProjection,
  } as const;
}
