/**
 * The session pool: warm processes, placement, scaling, hibernation, recovery, and its extension points. Re-exports
 * only, and only what the rest of the server (and tests) use: the facade, its errors and options, the extension
 * points, and the few helpers the CLI and the benchmarks call. The parts the facade wires stay inside `src/pool`.
 */
export * from './errors.js';
export * from './options.js';
export * from './session-pool.js';
export * from './processes/agent-port.js';
export * from './processes/profile.js';
export * from './extensions/extension-errors.js';
export * from './extensions/handlers.js';
export * from './extensions/message-processors.js';
export * from './sessions/request.js';
export * from './sessions/placement.js';
export * from './sessions/session-index.js';
export * from './sessions/admission.js';
export { storedSessionsOf, type StoredSession } from './sessions/session-catalog.js';
export * from './resilience/retry-policy.js';
export * from './resilience/breaker-guard.js';
export * from './resilience/recovery.js';
export * from './maintenance/memory.js';
export * from './maintenance/eviction.js';
export * from './maintenance/process-census.js';
export * from './maintenance/maintenance.js';
