export * from './constants.js';
export * from './errors.js';
export type * from './types.js';
export type { EventStore } from './port.js';
export { newEventId } from './core/event-id.js';
export { openStore, parseSqliteUrl, type OpenStoreOptions } from './open.js';
export { watchWrites, WRITE_PROBE_STREAM, type WriteWatchHooks } from './write-watch.js';
export { MemoryEventStore } from './memory/index.js';
export { SqliteEventStore, openSqliteEventStore, type SqliteEventStoreOptions, type SqliteDurability } from './sqlite/index.js';
