/** The pool's periodic checks: scaling samples, memory, lifetimes, leaks (with the census and eviction choices they use). Re-exports only. */
export * from './memory.js';
export * from './eviction.js';
export * from './process-census.js';
export * from './maintenance.js';
