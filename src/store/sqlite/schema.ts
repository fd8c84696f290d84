/**
 * The SQLite schema and connection settings. `events.position` is the global position (AUTOINCREMENT, so never
 * reused); `(stream_id, revision)` and `(event_id, stream_id)` are unique, the latter backing idempotent appends
 * (event id first: generated ids are time-ordered UUIDv7, so that index grows at its tail). Streams are interned
 * in `streams` so the per-event indexes key on an integer. Data and metadata are JSON text.
 */
import type Database from 'better-sqlite3';
import { err, ok, type Result } from 'neverthrow';
import { SQLITE_DURABILITY } from '../constants.js';
import { storeUnavailable, type StoreError } from '../errors.js';
import { describeCause } from '../core/result.js';

/** The durability setting of the SQLite adapter; see `SqliteEventStoreOptions.durability`. */
export type SqliteDurability = (typeof SQLITE_DURABILITY)[keyof typeof SQLITE_DURABILITY];

/** Version written to `PRAGMA user_version`; a file with a higher one was written by a newer build. */
export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS streams (
  stream_id       INTEGER PRIMARY KEY,
  name            TEXT    NOT NULL UNIQUE,
  deleted_before  INTEGER NOT NULL DEFAULT 0,
  soft_deleted    INTEGER NOT NULL DEFAULT 0,
  tombstoned      INTEGER NOT NULL DEFAULT 0,
  max_count       INTEGER,
  truncate_before INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id   INTEGER NOT NULL REFERENCES streams (stream_id),
  revision    INTEGER NOT NULL,
  event_id    TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_revision ON events (stream_id, revision);
CREATE UNIQUE INDEX IF NOT EXISTS events_event_id_stream ON events (event_id, stream_id);
`;

/** Sets WAL mode and the durability pragmas on a fresh connection. */
export function configureConnection(db: Database.Database, durability: SqliteDurability): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === SQLITE_DURABILITY.full ? 'FULL' : 'NORMAL'}`);
  db.pragma('temp_store = MEMORY');
  db.pragma('cache_size = -32000');
  // Checkpoint every ~32 MB of WAL instead of 4 MB: index pages rewritten by many commits are copied back once.
  db.pragma('wal_autocheckpoint = 8192');
}

/** Creates the tables on first use; refuses a file whose schema is newer than this build. */
export function migrate(db: Database.Database): Result<void, StoreError> {
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      return err(storeUnavailable(`database schema version ${version} is newer than this build supports (${SCHEMA_VERSION})`));
    }
    if (version < SCHEMA_VERSION) {
      db.transaction(() => {
        db.exec(SCHEMA);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
    return ok(undefined);
  } catch (cause) {
    return err(storeUnavailable(`cannot prepare the database schema: ${describeCause(cause)}`, cause));
  }
}
