/**
 * Every SQL statement of the adapter, prepared once per connection. Rows come back shaped as the core types
 * (`StoredEvent`), so reads map them without copying field by field. Per-stream lookups consult both tiers of the
 * stream index (`recent` and `stream_index`, see `schema.ts`) in one statement, so each sees one snapshot.
 */
import type Database from 'better-sqlite3';
import type { StoredEvent } from '../core/decode.js';

/** A `streams` row with its last revision (-1 when it has no events). */
export interface StreamRow {
  readonly streamId: number;
  readonly lastRevision: number;
  readonly deletedBefore: number;
  readonly softDeleted: number;
  readonly tombstoned: number;
  readonly maxCount: number | null;
  readonly truncateBefore: number | null;
}

/** SQL for the last revision (NULL if none) of the stream in `column`: `recent` holds the newest ones, if any. */
const lastRevisionOf = (column: string): string =>
  `coalesce((SELECT max(revision) FROM recent WHERE stream_id = ${column}),
    (SELECT max(revision) FROM stream_index WHERE stream_id = ${column}))`;

/** The position of revision `@revision` of stream `@streamId` over both tiers. */
const POSITION_AT = `coalesce((SELECT position FROM recent WHERE stream_id = @streamId AND revision = @revision),
  (SELECT position FROM stream_index WHERE stream_id = @streamId AND revision = @revision))`;

/** Named parameters of the lookups by stream and revision. */
export interface RevisionKey {
  streamId: number;
  revision: number;
}

const EVENT_COLUMNS = `e.position AS position, s.name AS stream, e.revision AS revision, e.event_id AS id,
  e.type AS type, e.data AS data, e.metadata AS metadata, e.recorded_at AS recordedAt`;

/** Named parameters of the filtered log page query. */
export interface FilteredPageParams {
  after: number;
  upTo: number;
  limit: number;
  prefix?: string;
  types?: string;
}

/** The prepared statements of one connection. */
export class Statements {
  readonly streamByName;
  readonly insertStream;
  readonly insertEvent;
  readonly insertRecent;
  readonly countRecent;
  readonly compactInsert;
  readonly compactDelete;
  readonly revisionOfId;
  readonly idAt;
  readonly positionAt;
  readonly reviveStream;
  readonly softDeleteStream;
  readonly tombstoneStream;
  readonly setMetadata;
  readonly readForwards;
  readonly readBackwards;
  readonly pageAll;
  readonly headPosition;
  readonly listStreams;
  readonly dataVersion;
  readonly writeCheckpoint;
  readonly readCheckpoint;
  readonly #db: Database.Database;
  readonly #filtered = new Map<string, Database.Statement<[FilteredPageParams], StoredEvent>>();

  constructor(db: Database.Database) {
    this.#db = db;
    this.streamByName = db.prepare<[string], StreamRow>(
      `SELECT stream_id AS streamId, deleted_before AS deletedBefore, soft_deleted AS softDeleted, tombstoned,
         max_count AS maxCount, truncate_before AS truncateBefore,
         coalesce(${lastRevisionOf('streams.stream_id')}, -1) AS lastRevision
       FROM streams WHERE name = ?`,
    );
    this.insertStream = db.prepare<[string]>('INSERT INTO streams (name) VALUES (?)');
    this.insertEvent = db.prepare<[number, number, string, string, string, string, number]>(
      'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertRecent = db.prepare<[number, number, number]>('INSERT INTO recent (stream_id, revision, position) VALUES (?, ?, ?)');
    this.countRecent = db.prepare<[], number>('SELECT count(*) FROM recent').pluck();
    this.compactInsert = db.prepare<[]>('INSERT INTO stream_index (stream_id, revision, position) SELECT stream_id, revision, position FROM recent');
    this.compactDelete = db.prepare<[]>('DELETE FROM recent');
    this.revisionOfId = db.prepare<[string, number], number>('SELECT revision FROM events WHERE event_id = ? AND stream_id = ?').pluck();
    this.idAt = db.prepare<[RevisionKey], string>(`SELECT event_id FROM events WHERE position = ${POSITION_AT}`).pluck();
    this.positionAt = db.prepare<[RevisionKey], number>(`SELECT ${POSITION_AT}`).pluck();
    this.reviveStream = db.prepare<[number]>('UPDATE streams SET soft_deleted = 0 WHERE stream_id = ?');
    this.softDeleteStream = db.prepare<[number, number]>('UPDATE streams SET soft_deleted = 1, deleted_before = ? WHERE stream_id = ?');
    this.tombstoneStream = db.prepare<[number]>('UPDATE streams SET tombstoned = 1 WHERE stream_id = ?');
    this.setMetadata = db.prepare<[number | null, number | null, number]>(
      'UPDATE streams SET max_count = ?, truncate_before = ? WHERE stream_id = ?',
    );
    const readStream = (order: 'ASC' | 'DESC') =>
      db.prepare<[{ streamId: number; low: number; high: number; limit: number }], StoredEvent>(
        `WITH tiers AS (
           SELECT revision, position FROM stream_index WHERE stream_id = @streamId AND revision BETWEEN @low AND @high
           UNION ALL
           SELECT revision, position FROM recent WHERE stream_id = @streamId AND revision BETWEEN @low AND @high
           ORDER BY revision ${order} LIMIT @limit)
         SELECT ${EVENT_COLUMNS} FROM tiers CROSS JOIN events e ON e.position = tiers.position CROSS JOIN streams s ON s.stream_id = e.stream_id
         ORDER BY tiers.revision ${order}`,
      );
    this.readForwards = readStream('ASC');
    this.readBackwards = readStream('DESC');
    this.pageAll = db.prepare<[number, number], StoredEvent>(
      `SELECT ${EVENT_COLUMNS} FROM events e CROSS JOIN streams s ON s.stream_id = e.stream_id
       WHERE e.position > ? ORDER BY e.position LIMIT ?`,
    );
    this.headPosition = db.prepare<[], number>('SELECT coalesce(max(position), 0) FROM events').pluck();
    this.listStreams = db.prepare<[{ prefix: string }], { stream: string; revision: number | null }>(
      `SELECT name AS stream, ${lastRevisionOf('streams.stream_id')} AS revision
       FROM streams WHERE soft_deleted = 0 AND tombstoned = 0 AND substr(name, 1, length(@prefix)) = @prefix ORDER BY name`,
    );
    this.dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.writeCheckpoint = db.prepare<[string, bigint, string, string]>(
      'INSERT INTO checkpoints (name, position, event_id, body) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position, event_id = excluded.event_id, body = excluded.body',
    );
    this.readCheckpoint = db
      .prepare<[string], { position: bigint; eventId: string; body: string }>('SELECT position, event_id AS eventId, body FROM checkpoints WHERE name = ?')
      .safeIntegers(true);
  }

  /** The page query for a filter shape (prefix and/or types), prepared on first use. */
  filteredPage(byPrefix: boolean, byTypes: boolean): Database.Statement<[FilteredPageParams], StoredEvent> {
    const key = `${byPrefix}:${byTypes}`;
    let statement = this.#filtered.get(key);
    if (statement === undefined) {
      const conditions = ['e.position > @after', 'e.position <= @upTo'];
      if (byPrefix) conditions.push('substr(s.name, 1, length(@prefix)) = @prefix');
      if (byTypes) conditions.push('e.type IN (SELECT value FROM json_each(@types))');
      statement = this.#db.prepare<[FilteredPageParams], StoredEvent>(
        `SELECT ${EVENT_COLUMNS} FROM events e CROSS JOIN streams s ON s.stream_id = e.stream_id
         WHERE ${conditions.join(' AND ')} ORDER BY e.position LIMIT @limit`,
      );
      this.#filtered.set(key, statement);
    }
    return statement;
  }
}
