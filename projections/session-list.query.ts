/**
 * Queries over the `session-list` state for the REST list and detail endpoints: filter by tenant, state and
 * participant, sort newest first (then by id), and page with an opaque cursor naming the last item returned, so
 * a page boundary stays put while sessions are added or change state.
 */
import { err, ok, type Result } from 'neverthrow';
import { allSessions, type SessionListState, type SessionSummary } from './session-list.js';

/** `kind` of every {@link SessionQueryError}. */
export const SESSION_QUERY_ERROR_KIND = {
  InvalidCursor: 'InvalidCursor',
  InvalidLimit: 'InvalidLimit',
} as const;

/** Why a list query was refused: a cursor this module did not make, or a limit that is not a positive integer. */
export type SessionQueryError =
  | { readonly kind: typeof SESSION_QUERY_ERROR_KIND.InvalidCursor; readonly cursor: string }
  | { readonly kind: typeof SESSION_QUERY_ERROR_KIND.InvalidLimit; readonly limit: number };

/** Filters and paging of {@link listSessions}. */
export interface SessionListQuery {
  /** Only this tenant's sessions; `null` or absent = every tenant. */
  readonly tenant?: string | null;
  /** Only sessions in one of these states; absent = any state (terminated included). */
  readonly states?: readonly string[];
  /** Only sessions this user takes part in (any role). */
  readonly participant?: string;
  /** Page size, a positive integer. */
  readonly limit: number;
  /** `nextCursor` of the previous page; absent = the first page. */
  readonly cursor?: string | null;
}

/** One page of sessions; `nextCursor` is `null` on the last page. */
export interface SessionPage {
  readonly items: readonly SessionSummary[];
  readonly nextCursor: string | null;
}

interface SortKey {
  readonly createdAt: number;
  readonly sessionId: string;
}

const CURSOR_SEPARATOR = '~';

/** Newest first, then by id: the list's one order. */
export function compareSessions(a: SortKey, b: SortKey): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0;
}

/** The cursor that resumes after `item`. */
export const cursorAfter = (item: SortKey): string => `${item.createdAt}${CURSOR_SEPARATOR}${encodeURIComponent(item.sessionId)}`;

function parseCursor(cursor: string): SortKey | null {
  const split = cursor.indexOf(CURSOR_SEPARATOR);
  if (split <= 0) return null;
  const createdAt = Number(cursor.slice(0, split));
  if (!Number.isFinite(createdAt)) return null;
  try {
    return { createdAt, sessionId: decodeURIComponent(cursor.slice(split + 1)) };
  } catch {
    return null;
  }
}

/** One page of the sessions that match `query`, in {@link compareSessions} order, after `query.cursor`. */
export function listSessions(state: SessionListState, query: SessionListQuery): Result<SessionPage, SessionQueryError> {
  if (!Number.isInteger(query.limit) || query.limit < 1) return err({ kind: SESSION_QUERY_ERROR_KIND.InvalidLimit, limit: query.limit });
  const after = query.cursor === undefined || query.cursor === null ? null : parseCursor(query.cursor);
  if (after === null && query.cursor !== undefined && query.cursor !== null) {
    return err({ kind: SESSION_QUERY_ERROR_KIND.InvalidCursor, cursor: query.cursor });
  }
  const states = query.states === undefined ? null : new Set(query.states);
  const matches = allSessions(state).filter(
    (session) =>
      (query.tenant === undefined || query.tenant === null || session.tenant === query.tenant) &&
      (states === null || states.has(session.state)) &&
      (query.participant === undefined || session.participants.some((p) => p.userId === query.participant)) &&
      (after === null || compareSessions(after, session) < 0),
  );
  matches.sort(compareSessions);
  const items = matches.slice(0, query.limit);
  const last = items.at(-1);
  return ok({ items, nextCursor: matches.length > query.limit && last !== undefined ? cursorAfter(last) : null });
}

