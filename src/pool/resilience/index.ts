/** Resilience: circuit breakers as call guards (spawn, API), retry by failure class under a budget, recovery after a restart. Re-exports only. */
export * from './breaker-guard.js';
export * from './api-breaker.js';
export * from './retry-budget.js';
export * from './retry-policy.js';
export * from './recovery.js';
