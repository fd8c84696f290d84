/** The session pool: warm processes, placement, scaling, hibernation, recovery, and its extension points. Re-exports only. */
export * from './errors.js';
export * from './options.js';
export * from './sessions/index.js';
export * from './processes/index.js';
export * from './resilience/index.js';
export * from './extensions/index.js';
export * from './maintenance/index.js';
export * from './session-pool.js';
