/** The pure machines and what the runtime needs around them. Re-exports only; test helpers live in `testing.ts`. */
export * from './deadline.js';
export * from './event-names.js';
export * from './replay.js';
export * from './circuit-breaker.events.js';
export * from './circuit-breaker.options.js';
export * from './circuit-breaker.window.js';
export * from './circuit-breaker.context.js';
export * from './circuit-breaker.machine.js';
export * from './circuit-breaker.admission.js';
export * from './session.events.js';
export * from './session.options.js';
export * from './session.states.js';
export * from './session.context.js';
export * from './session.access.js';
export * from './session.awaits.js';
export * from './session.setup.js';
export * from './session.machine.js';
