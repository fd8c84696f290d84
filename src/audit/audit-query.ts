/**
 * Reading the audit log back: the `audit-<day>` streams of the days in a time range, oldest first, filtered by
 * actor, action and tenant, one bounded page at a time. A page ends after `limit` matches or after scanning
 * {@link AUDIT_SCAN_MAX} events, whichever comes first; its cursor continues exactly where it stopped.
 */
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { AUDIT_STREAM_PREFIX, auditDayOf, type AuditAction, type AuditEventData } from '../../machines/index.js';
import { isStreamNotFound, type EventStore, type RecordedEvent, type StoreError } from '../store/index.js';

/** Events examined per page at most (matching or not), so a narrow filter over a busy log stays cheap. */
export const AUDIT_SCAN_MAX = 10_000;

const READ_CHUNK = 500;

/** Where a page starts: a day stream and the revision in it. */
export interface AuditCursor {
  readonly day: string;
  readonly revision: bigint;
}

/** What to read. Times are epoch ms: `from` inclusive, `to` exclusive. */
export interface AuditQuery {
  readonly from: number;
  readonly to: number;
  readonly actor?: string;
  readonly action?: AuditAction;
  /** The actor's tenant or the target's. */
  readonly tenant?: string;
  readonly limit: number;
  readonly cursor?: AuditCursor;
}

/** An audit event as read: its data, where it is stored, its global position. */
export interface AuditRecord extends AuditEventData {
  readonly stream: string;
  readonly revision: number;
  readonly position: string;
}

/** One page of matches and the cursor of the next (`null` when the range is exhausted). */
export interface AuditPage {
  readonly events: readonly AuditRecord[];
  readonly nextCursor: string | null;
}

/** The text form of `cursor` (`YYYY-MM-DD:revision`). */
export function formatAuditCursor(cursor: AuditCursor): string {
  return `${cursor.day}:${cursor.revision}`;
}

/** The cursor `text` stands for, or `null` when it is not one this server issues. */
export function parseAuditCursor(text: string): AuditCursor | null {
  const match = /^(\d{4}-\d{2}-\d{2}):(\d{1,15})$/.exec(text);
  return match === null ? null : { day: match[1]!, revision: BigInt(match[2]!) };
}

/** The UTC day (`YYYY-MM-DD`) of epoch ms `at`. */
const dayOf = (at: number): string => new Date(at).toISOString().slice(0, 10);

/** The audit data of a recorded event, or `null` for an event that is not one (written by something else). */
export function auditDataOf(event: RecordedEvent): AuditEventData | null {
  const data = event.data as Partial<AuditEventData> | null;
  return data !== null && typeof data === 'object' && typeof data.action === 'string' && typeof data.at === 'number' && typeof data.actor === 'object' && data.actor !== null
    ? (data as AuditEventData)
    : null;
}

/** Whether `data` passes the filters of `query`. */
export function matchesAuditQuery(data: AuditEventData, query: Omit<AuditQuery, 'limit' | 'cursor'>): boolean {
  return (
    data.at >= query.from &&
    data.at < query.to &&
    (query.actor === undefined || data.actor.userId === query.actor) &&
    (query.action === undefined || data.action === query.action) &&
    (query.tenant === undefined || data.actor.tenant === query.tenant || data.target.tenant === query.tenant)
  );
}

/** One page of the audit events matching `query`. */
export function readAuditPage(store: EventStore, query: AuditQuery): ResultAsync<AuditPage, StoreError> {
  const firstDay = query.cursor !== undefined && query.cursor.day > dayOf(query.from) ? query.cursor.day : dayOf(query.from);
  const lastDay = dayOf(Math.max(query.from, query.to - 1));
  return store.listStreams({ prefix: AUDIT_STREAM_PREFIX }).andThen((streams) => {
    const days = streams
      .map((summary) => auditDayOf(summary.stream))
      .filter((day): day is string => day !== null && day >= firstDay && day <= lastDay)
      .sort();
    const start = query.cursor !== undefined && query.cursor.day === days[0] ? query.cursor.revision : 0n;
    return scan(store, query, days, 0, start, { events: [], scanned: 0 });
  });
}

interface Progress {
  readonly events: AuditRecord[];
  scanned: number;
}

/** Scans day `days[index]` from `revision` on, then the following days, until the page is full or the scan bound is reached. */
function scan(store: EventStore, query: AuditQuery, days: readonly string[], index: number, revision: bigint, progress: Progress): ResultAsync<AuditPage, StoreError> {
  const day = days[index];
  if (day === undefined) return okAsync({ events: progress.events, nextCursor: null });
  const room = Math.min(READ_CHUNK, AUDIT_SCAN_MAX - progress.scanned);
  return store
    .readStream(`${AUDIT_STREAM_PREFIX}${day}`, { from: revision, maxCount: room })
    .orElse((error) => (isStreamNotFound(error) ? okAsync([] as readonly RecordedEvent[]) : errAsync(error)))
    .andThen((read) => {
      for (const event of read) {
        progress.scanned++;
        const data = auditDataOf(event);
        if (data !== null && matchesAuditQuery(data, query)) {
          progress.events.push({ ...data, stream: event.stream, revision: Number(event.revision), position: event.position.toString() });
          if (progress.events.length === query.limit) return okAsync(pageEndingAt(progress, days, index, event.revision + 1n));
        }
      }
      const next = read.length === 0 ? revision : read[read.length - 1]!.revision + 1n;
      if (read.length < room) return scan(store, query, days, index + 1, 0n, progress);
      if (progress.scanned >= AUDIT_SCAN_MAX) return okAsync(pageEndingAt(progress, days, index, next));
      return scan(store, query, days, index, next, progress);
    });
}

function pageEndingAt(progress: Progress, days: readonly string[], index: number, revision: bigint): AuditPage {
  return { events: progress.events, nextCursor: formatAuditCursor({ day: days[index]!, revision }) };
}
