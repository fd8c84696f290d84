export { SqliteEventStore, openSqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store.js';
export type { SqliteDurability } from './schema.js';
