/** Maps `@eventstore/db-client` errors onto the port's `StoreError` union. */
import { ErrorType, isCommandError } from '@eventstore/db-client';
import { invalidRequest, storeUnavailable, streamDeleted, streamNotFound, wrongExpectedVersion, type StoreError } from '../errors.js';
import type { ExpectedRevision } from '../types.js';
import { describeCause } from '../core/result.js';

/** What the failed call was about, to fill in the error fields the client does not carry. */
export interface EsdbErrorContext {
  readonly stream?: string;
  readonly expected?: ExpectedRevision;
}

/** Translates anything the client threw (or emitted) into a {@link StoreError}. */
export function fromEsdbError(cause: unknown, context: EsdbErrorContext = {}): StoreError {
  if (!(cause instanceof Error) || !isCommandError(cause)) {
    return storeUnavailable(`EventStoreDB request failed: ${describeCause(cause)}`, cause);
  }
  const stream = context.stream ?? '';
  switch (cause.type) {
    case ErrorType.WRONG_EXPECTED_VERSION:
      return wrongExpectedVersion(cause.streamName || stream, context.expected ?? cause.expectedVersion, cause.actualVersion);
    case ErrorType.STREAM_NOT_FOUND:
      return streamNotFound(stream || cause.streamName);
    case ErrorType.STREAM_DELETED:
      return streamDeleted(stream || cause.streamName);
    case ErrorType.INVALID_ARGUMENT:
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
      return invalidRequest(cause.message);
    case ErrorType.ACCESS_DENIED:
      return storeUnavailable(`EventStoreDB denied access: ${cause.message}`, cause);
    default:
      return storeUnavailable(`EventStoreDB ${cause.type}: ${cause.message}`, cause);
  }
}

/** True when the client error means "stream not found" (used where absence is an expected answer). */
export const isEsdbStreamNotFound = (cause: unknown): boolean =>
  cause instanceof Error && isCommandError(cause) && cause.type === ErrorType.STREAM_NOT_FOUND;

/** True when the client error means the stream is not there to read: never written, soft- or hard-deleted. */
export const isEsdbStreamAbsent = (cause: unknown): boolean =>
  cause instanceof Error && isCommandError(cause) && (cause.type === ErrorType.STREAM_NOT_FOUND || cause.type === ErrorType.STREAM_DELETED);
