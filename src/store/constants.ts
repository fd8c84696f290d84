/**
 * Protocol strings of the event store, in one place: error kinds, expected-revision markers, read directions
 * and the URL schemes `openStore` understands. Import these; never retype the strings.
 */

/** Stable `kind` of every {@link StoreError}; callers switch on these, the server maps them to HTTP/WS codes. */
export const STORE_ERROR_KIND = {
  WrongExpectedVersion: 'WrongExpectedVersion',
  StreamNotFound: 'StreamNotFound',
  StreamDeleted: 'StreamDeleted',
  StoreUnavailable: 'StoreUnavailable',
  InvalidEvent: 'InvalidEvent',
  InvalidRequest: 'InvalidRequest',
  InvalidStoreUrl: 'InvalidStoreUrl',
} as const;

/** One of the values of {@link STORE_ERROR_KIND}. */
export type StoreErrorKind = (typeof STORE_ERROR_KIND)[keyof typeof STORE_ERROR_KIND];

/** Expected-revision markers accepted by `append` and `deleteStream` besides an exact revision (a bigint). */
export const EXPECTED_REVISION = {
  /** Skip the concurrency check. */
  any: 'any',
  /** The stream must not exist (never written, or soft-deleted and not yet re-created). */
  noStream: 'no_stream',
  /** The stream must exist (has events and is not soft-deleted). */
  streamExists: 'stream_exists',
} as const;

/** Read directions of `readStream`. */
export const READ_DIRECTION = {
  forwards: 'forwards',
  backwards: 'backwards',
} as const;

/** Durability settings of the SQLite adapter (see `SqliteEventStoreOptions.durability`). */
export const SQLITE_DURABILITY = {
  full: 'full',
  normal: 'normal',
} as const;

/** URL schemes `openStore` accepts, as shown in error messages. */
export const STORE_URL_SCHEMES = ['sqlite:', 'memory:', 'esdb://', 'esdb+discover://'] as const;
