/**
 * Resilience: policies composed around an agent start (closed, slot, breaker admission, retry by failure class),
 * circuit breakers as call guards (spawn, API), the retry budget, recovery after a restart. Re-exports only.
 */
export * from './policy.js';
export * from './spawn-policies.js';
export * from './breaker-guard.js';
export * from './api-breaker.js';
export * from './retry-budget.js';
export * from './retry-policy.js';
export * from './recovery.js';
