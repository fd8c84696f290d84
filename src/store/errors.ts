/**
 * Expected failures of the event store, as data. One discriminated union keyed by `kind` (see
 * `STORE_ERROR_KIND`), constructors that fill it in, guards that survive duplicate package copies (they look at
 * `kind`, never at a prototype), a one-line message for terminals and the HTTP status each kind maps to.
 */
import { STORE_ERROR_KIND, STORE_URL_SCHEMES, type StoreErrorKind } from './constants.js';
import type { ActualRevision, ExpectedRevision } from './types.js';

/** The append's (or delete's) expected revision did not match the stream. */
export interface WrongExpectedVersion {
  readonly kind: typeof STORE_ERROR_KIND.WrongExpectedVersion;
  readonly stream: string;
  readonly expected: ExpectedRevision;
  readonly actual: ActualRevision;
}

/** The stream has no events, or was soft-deleted and not re-created. */
export interface StreamNotFound {
  readonly kind: typeof STORE_ERROR_KIND.StreamNotFound;
  readonly stream: string;
}

/** The stream was hard-deleted (tombstoned); it can never be read or written again. */
export interface StreamDeleted {
  readonly kind: typeof STORE_ERROR_KIND.StreamDeleted;
  readonly stream: string;
}

/** The backing store cannot serve the request (closed, I/O failure, server unreachable, access denied ...). */
export interface StoreUnavailable {
  readonly kind: typeof STORE_ERROR_KIND.StoreUnavailable;
  readonly reason: string;
  readonly cause?: unknown;
}

/** An event of an append is malformed, or its id is already used in that stream by a different append. */
export interface InvalidEvent {
  readonly kind: typeof STORE_ERROR_KIND.InvalidEvent;
  readonly stream: string;
  /** Index of the offending event within the append. */
  readonly index: number;
  readonly reason: string;
}

/** A stream name or an option is not acceptable (empty name, `$` prefix, negative count ...). */
export interface InvalidRequest {
  readonly kind: typeof STORE_ERROR_KIND.InvalidRequest;
  readonly reason: string;
}

/** `openStore` was given a URL it cannot use. */
export interface InvalidStoreUrl {
  readonly kind: typeof STORE_ERROR_KIND.InvalidStoreUrl;
  readonly url: string;
  readonly reason: string;
  readonly accepted: readonly string[];
}

/** Every expected failure of the store. */
export type StoreError =
  | WrongExpectedVersion
  | StreamNotFound
  | StreamDeleted
  | StoreUnavailable
  | InvalidEvent
  | InvalidRequest
  | InvalidStoreUrl;

/** Builds a {@link WrongExpectedVersion}. */
export const wrongExpectedVersion = (stream: string, expected: ExpectedRevision, actual: ActualRevision): StoreError => ({
  kind: STORE_ERROR_KIND.WrongExpectedVersion,
  stream,
  expected,
  actual,
});

/** Builds a {@link StreamNotFound}. */
export const streamNotFound = (stream: string): StoreError => ({ kind: STORE_ERROR_KIND.StreamNotFound, stream });

/** Builds a {@link StreamDeleted}. */
export const streamDeleted = (stream: string): StoreError => ({ kind: STORE_ERROR_KIND.StreamDeleted, stream });

/** Builds a {@link StoreUnavailable}; `cause` keeps the underlying error for logs. */
export const storeUnavailable = (reason: string, cause?: unknown): StoreError =>
  cause === undefined
    ? { kind: STORE_ERROR_KIND.StoreUnavailable, reason }
    : { kind: STORE_ERROR_KIND.StoreUnavailable, reason, cause };

/** Builds an {@link InvalidEvent}. */
export const invalidEvent = (stream: string, index: number, reason: string): StoreError => ({
  kind: STORE_ERROR_KIND.InvalidEvent,
  stream,
  index,
  reason,
});

/** Builds an {@link InvalidRequest}. */
export const invalidRequest = (reason: string): StoreError => ({ kind: STORE_ERROR_KIND.InvalidRequest, reason });

/** Builds an {@link InvalidStoreUrl} listing the accepted schemes. */
export const invalidStoreUrl = (url: string, reason: string): StoreError => ({
  kind: STORE_ERROR_KIND.InvalidStoreUrl,
  url,
  reason,
  accepted: STORE_URL_SCHEMES,
});

/** The error `StoreUnavailable` every adapter returns once `close()` has been called. */
export const storeClosed = (): StoreError => storeUnavailable('the event store is closed');

const KINDS: ReadonlySet<string> = new Set(Object.values(STORE_ERROR_KIND));

/** True for any {@link StoreError}, including one built by another copy of this module. */
export function isStoreError(value: unknown): value is StoreError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    KINDS.has((value as { kind: string }).kind)
  );
}

const hasKind =
  <K extends StoreErrorKind>(kind: K) =>
  (value: unknown): value is Extract<StoreError, { kind: K }> =>
    isStoreError(value) && value.kind === kind;

/** True for a {@link WrongExpectedVersion}. */
export const isWrongExpectedVersion = hasKind(STORE_ERROR_KIND.WrongExpectedVersion);
/** True for a {@link StreamNotFound}. */
export const isStreamNotFound = hasKind(STORE_ERROR_KIND.StreamNotFound);
/** True for a {@link StreamDeleted}. */
export const isStreamDeleted = hasKind(STORE_ERROR_KIND.StreamDeleted);
/** True for a {@link StoreUnavailable}. */
export const isStoreUnavailable = hasKind(STORE_ERROR_KIND.StoreUnavailable);
/** True for an {@link InvalidEvent}. */
export const isInvalidEvent = hasKind(STORE_ERROR_KIND.InvalidEvent);
/** True for an {@link InvalidRequest}. */
export const isInvalidRequest = hasKind(STORE_ERROR_KIND.InvalidRequest);
/** True for an {@link InvalidStoreUrl}. */
export const isInvalidStoreUrl = hasKind(STORE_ERROR_KIND.InvalidStoreUrl);

/** HTTP status for each error kind, for the server's error mapping (STYLE.md §4). */
export const STORE_ERROR_HTTP_STATUS: Readonly<Record<StoreErrorKind, number>> = {
  WrongExpectedVersion: 409,
  StreamNotFound: 404,
  StreamDeleted: 410,
  StoreUnavailable: 503,
  InvalidEvent: 400,
  InvalidRequest: 400,
  InvalidStoreUrl: 500,
};

const revisionText = (revision: ExpectedRevision): string =>
  typeof revision === 'bigint' ? revision.toString() : revision;

/** One line describing the error for a terminal or a log message; never includes `cause`. */
export function formatStoreError(error: StoreError): string {
  switch (error.kind) {
    case 'WrongExpectedVersion':
      return `stream ${error.stream}: expected revision ${revisionText(error.expected)}, actual ${revisionText(error.actual)}`;
    case 'StreamNotFound':
      return `stream ${error.stream} not found`;
    case 'StreamDeleted':
      return `stream ${error.stream} is deleted`;
    case 'StoreUnavailable':
      return `event store unavailable: ${error.reason}`;
    case 'InvalidEvent':
      return `stream ${error.stream}: event #${error.index} is invalid: ${error.reason}`;
    case 'InvalidRequest':
      return `invalid request: ${error.reason}`;
    case 'InvalidStoreUrl':
      return `invalid store URL ${JSON.stringify(error.url)}: ${error.reason} (accepted: ${error.accepted.join(', ')})`;
  }
}
