/** Pure folds of the event log (and of the server's connection events) into the status the API reads. Re-exports only. */
export * from './event.js';
export * from './faults.js';
export * from './id-map.js';
export * from './session-list.js';
export * from './session-list.query.js';
export * from './pool-status.js';
export * from './pool-sessions.js';
export * from './error-recovery.js';
export * from './websocket-status.js';
export * from './api-keys.js';
export * from './tenant-budgets.js';
export * from './tenant-budgets.query.js';
export * from './store-projections.js';
