/** Extension points: pool handlers, message processors, and their typed errors. Re-exports only. */
export * from './extension-errors.js';
export * from './handlers.js';
export * from './message-processors.js';
