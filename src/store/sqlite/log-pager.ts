/**
 * The SQLite {@link LogPager}. Unfiltered pages are a plain range scan by position. Filtered pages scan a bounded
 * window of positions inside one read transaction (a consistent snapshot even while another process writes), so a
 * rare prefix neither returns huge pages nor rescans the log from the same checkpoint forever.
 */
import type Database from 'better-sqlite3';
import { err, ok } from 'neverthrow';
import { storeUnavailable } from '../errors.js';
import type { EventFilter } from '../types.js';
import { decodeEvent, type StoredEvent } from '../core/decode.js';
import type { LogPage, LogPager } from '../core/log-pager.js';
import { describeCause } from '../core/result.js';
import type { FilteredPageParams, Statements } from './statements.js';

const WINDOW = 8192;

function toPage(rows: readonly StoredEvent[], after: number, limit: number, upTo: number | undefined): LogPage {
  const last = rows[rows.length - 1];
  const events = rows.map(decodeEvent);
  if (last !== undefined && (upTo === undefined || rows.length === limit)) return { events, scannedTo: last.position };
  return { events, scannedTo: upTo ?? after };
}

/** Builds the pager for one (validated) filter. */
export function sqlitePager(db: Database.Database, statements: Statements, filter: EventFilter | undefined): LogPager {
  let read: (after: number, limit: number) => LogPage;
  if (filter === undefined) {
    read = (after, limit) => toPage(statements.pageAll.all(after, limit), after, limit, undefined);
  } else {
    const statement = statements.filteredPage(filter.streamPrefix !== undefined, filter.eventTypes !== undefined);
    const types = filter.eventTypes === undefined ? undefined : JSON.stringify(filter.eventTypes);
    const inSnapshot = db.transaction((after: number, limit: number): LogPage => {
      const head = statements.headPosition.get() as number;
      if (head <= after) return { events: [], scannedTo: after };
      const upTo = Math.min(head, after + WINDOW);
      const params: FilteredPageParams = { after, upTo, limit };
      if (filter.streamPrefix !== undefined) params.prefix = filter.streamPrefix;
      if (types !== undefined) params.types = types;
      return toPage(statement.all(params), after, limit, upTo);
    });
    read = (after, limit) => inSnapshot.deferred(after, limit);
  }
  return (after, limit) => {
    try {
      return ok(read(after, limit));
    } catch (cause) {
      return err(storeUnavailable(`read failed: ${describeCause(cause)}`, cause));
    }
  };
}
