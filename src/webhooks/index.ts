/** Webhooks: signed notices of stored facts to configured endpoints. Re-exports only. */
export * from './backoff.js';
export * from './delivery-history.js';
export * from './delivery-log.js';
export * from './dispatcher.js';
export * from './endpoint.js';
export * from './endpoint-deliveries.js';
export * from './http-post.js';
export * from './notices.js';
export * from './signing.js';
export * from './settings.js';
export * from './breaker-gate.js';
