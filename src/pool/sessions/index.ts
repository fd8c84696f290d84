/** Sessions as the pool tracks them: the index, the stored catalogue, requests and leases, placement, admission, idempotent sends. Re-exports only. */
export * from './session-index.js';
export * from './session-catalog.js';
export * from './request.js';
export * from './admission.js';
export * from './placement.js';
export * from './sent-messages.js';
export * from './session-actors.js';
export * from './session-commands.js';
export * from './leases.js';
export * from './commit-follower.js';
