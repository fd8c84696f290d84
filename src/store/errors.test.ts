import { describe, expect, it } from 'vitest';
import { STORE_ERROR_KIND } from './constants.js';
import {
  formatStoreError,
  invalidEvent,
  invalidRequest,
  invalidStoreUrl,
  isStoreError,
  isStreamDeleted,
  isWrongExpectedVersion,
  STORE_ERROR_HTTP_STATUS,
  storeUnavailable,
  streamDeleted,
  streamNotFound,
  wrongExpectedVersion,
  type StoreError,
} from './errors.js';

const samples: StoreError[] = [
  wrongExpectedVersion('session-1', 3n, 'no_stream'),
  streamNotFound('session-1'),
  streamDeleted('session-1'),
  storeUnavailable('disk full', new Error('SQLITE_FULL')),
  invalidEvent('session-1', 2, 'type must be a non-empty string'),
  invalidRequest('maxCount must be a non-negative integer'),
  invalidStoreUrl('ftp://x', 'unknown scheme "ftp:"'),
];

describe('StoreError', () => {
  it('covers every kind, each with an HTTP status and a one-line message', () => {
    expect(new Set(samples.map((e) => e.kind))).toEqual(new Set(Object.values(STORE_ERROR_KIND)));
    for (const error of samples) {
      expect(STORE_ERROR_HTTP_STATUS[error.kind]).toBeGreaterThanOrEqual(400);
      expect(formatStoreError(error)).not.toContain('\n');
    }
    expect(formatStoreError(samples[0] as StoreError)).toBe('stream session-1: expected revision 3, actual no_stream');
    expect(formatStoreError(samples[3] as StoreError)).toBe('event store unavailable: disk full');
  });

  it('guards recognise errors by kind, including plain copies', () => {
    const copy: unknown = JSON.parse(JSON.stringify(streamDeleted('x')));
    expect(isStoreError(copy)).toBe(true);
    expect(isStreamDeleted(copy)).toBe(true);
    expect(isWrongExpectedVersion(copy)).toBe(false);
    expect(isStoreError({ kind: 'SomethingElse' })).toBe(false);
    expect(isStoreError(null)).toBe(false);
    expect(isStoreError(new Error('x'))).toBe(false);
  });
});
