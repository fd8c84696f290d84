/**
 * The actor runtime: hosting persisted XState actors over the event store, replaying their streams for
 * operators, and the development inspector hook. Re-exports only.
 */
export * from './constants.js';
export * from './errors.js';
export * from './clock.js';
export * from './actor-kind.js';
export * from './kinds.js';
export * from './codec.js';
export * from './effects.js';
export * from './observer.js';
export * from './fold.js';
export * from './load.js';
export * from './snapshots.js';
export * from './persisted-actor.js';
export * from './actor-host.js';
export * from './context-diff.js';
export * from './replay-stream.js';
export * from './replay-json.js';
export { mapAsync, mapErrAsync } from './results.js';
export * from './inspector.js';
export { INSPECTOR_RETRY_MS } from './inspector-socket.js';
