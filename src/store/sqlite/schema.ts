/**
 * The SQLite schema and connection settings. `events.position` is the global position (AUTOINCREMENT, so never
 * reused); `(event_id, stream_id)` is unique and backs idempotent appends (event id first: generated ids are
 * time-ordered UUIDv7, so that index grows at its tail). Streams are interned in `streams` so indexes key on an
 * integer. Data and metadata are JSON text.
 *
 * The per-stream index `(stream_id, revision) -> position` has two tiers (schema version 2). Every append writes
 * its index entries into the small `recent` table; every so often the writer moves all of `recent` into the large
 * `stream_index` table in one statement pair inside a write transaction (see `compaction.ts`). A commit therefore
 * dirties the few pages of `recent` instead of one page of a large index per stream written. Because a compaction
 * moves everything at once, every revision in `recent` is above every revision of the same stream in
 * `stream_index`; readers take the union of both tiers.
 */
import type Database from 'better-sqlite3';
import { err, ok, type Result } from 'neverthrow';
import { SQLITE_DURABILITY } from '../constants.js';
import { storeUnavailable, type StoreError } from '../errors.js';
import { describeCause } from '../core/result.js';

/** The durability setting of the SQLite adapter; see `SqliteEventStoreOptions.durability`. */
export type SqliteDurability = (typeof SQLITE_DURABILITY)[keyof typeof SQLITE_DURABILITY];

/** Version written to `PRAGMA user_version`; a file with a higher one was written by a newer build. */
export const SCHEMA_VERSION = 2;

/** Page size of new files; it cannot change once a table exists (or the file is in WAL mode). */
const PAGE_SIZE = 8192;

const STREAMS_TABLE = `
CREATE TABLE IF NOT EXISTS streams (
  stream_id       INTEGER PRIMARY KEY,
  name            TEXT    NOT NULL UNIQUE,
  deleted_before  INTEGER NOT NULL DEFAULT 0,
  soft_deleted    INTEGER NOT NULL DEFAULT 0,
  tombstoned      INTEGER NOT NULL DEFAULT 0,
  max_count       INTEGER,
  truncate_before INTEGER
) STRICT;`;

const EVENTS_TABLE = `
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
CREATE UNIQUE INDEX IF NOT EXISTS events_event_id_stream ON events (event_id, stream_id);`;

const INDEX_TABLES = `
CREATE TABLE IF NOT EXISTS stream_index (
  stream_id INTEGER NOT NULL,
  revision  INTEGER NOT NULL,
  position  INTEGER NOT NULL,
  PRIMARY KEY (stream_id, revision)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS recent (
  stream_id INTEGER NOT NULL,
  revision  INTEGER NOT NULL,
  position  INTEGER NOT NULL,
  PRIMARY KEY (stream_id, revision)
) STRICT, WITHOUT ROWID;`;

/**
 * Named checkpoints beside the log (see `EventStore.writeCheckpoint`). Created on open whatever the version: it is
 * not part of the log, so a file with or without it is the same version and an older build simply ignores it.
 */
const CHECKPOINTS_TABLE = `
CREATE TABLE IF NOT EXISTS checkpoints (
  name     TEXT    PRIMARY KEY,
  position INTEGER NOT NULL,
  event_id TEXT    NOT NULL,
  body     TEXT    NOT NULL
) STRICT;`;

/** Version 1 kept a unique `(stream_id, revision)` index on `events`; version 2 moves it into the two tiers. */
const FROM_V1 = `
${INDEX_TABLES}
INSERT INTO stream_index (stream_id, revision, position)
  SELECT stream_id, revision, position FROM events ORDER BY stream_id, revision;
DROP INDEX IF EXISTS events_stream_revision;`;

/** Sets the page size of a new file, WAL mode and the durability pragmas on a fresh connection. */
export function configureConnection(db: Database.Database, durability: SqliteDurability): void {
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === SQLITE_DURABILITY.full ? 'FULL' : 'NORMAL'}`);
  db.pragma('temp_store = MEMORY');
  db.pragma('cache_size = -32000');
  // Checkpoint every ~32 MB of WAL instead of 4 MB: index pages rewritten by many commits are copied back once.
  db.pragma('wal_autocheckpoint = 8192');
}

/** Creates the tables on first use, migrates a version-1 file in place; refuses a file newer than this build. */
export function migrate(db: Database.Database): Result<void, StoreError> {
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      return err(storeUnavailable(`database schema version ${version} is newer than this build supports (${SCHEMA_VERSION})`));
    }
    if (version < SCHEMA_VERSION) {
      db.transaction(() => {
        // Re-read under the write lock: another process may have migrated the file meanwhile.
        const current = db.pragma('user_version', { simple: true }) as number;
        if (current >= SCHEMA_VERSION) return;
        db.exec(current === 1 ? FROM_V1 : STREAMS_TABLE + EVENTS_TABLE + INDEX_TABLES);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
    const hasCheckpoints = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'checkpoints'").get() !== undefined;
    if (!hasCheckpoints) db.exec(CHECKPOINTS_TABLE);
    return ok(undefined);
  } catch (cause) {
    return err(storeUnavailable(`cannot prepare the database schema: ${describeCause(cause)}`, cause));
  }
}
