import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatByteSize, formatDuration, parseByteSize, parseDuration } from './units.js';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1_500],
    ['2d', 172_800_000],
    ['0s', 0],
  ])('parses %s as %i ms', (text, ms) => {
    expect(parseDuration(text)._unsafeUnwrap()).toBe(ms);
  });

  it.each(['', '30', '30 seconds', 's', '5x', '-5s', '1h 30m', '30s5'])('rejects %j', (text) => {
    expect(parseDuration(text).isErr()).toBe(true);
  });

  it('formats any whole number of ms back to text that parses to the same value', () => {
    fc.assert(fc.property(fc.nat({ max: 10 * 86_400_000 }), (ms) => parseDuration(formatDuration(ms))._unsafeUnwrap() === ms));
  });

  it('formats to the shortest form', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(1_250)).toBe('1s250ms');
  });
});

describe('byte sizes', () => {
  it.each([
    ['1MiB', 1_048_576],
    ['512KiB', 524_288],
    ['1MB', 1_000_000],
    ['100B', 100],
    ['2GiB', 2_147_483_648],
  ])('parses %s as %i bytes', (text, bytes) => {
    expect(parseByteSize(text)._unsafeUnwrap()).toBe(bytes);
  });

  it.each(['1', '1mb', 'MiB', '1 TiB', '-1KB'])('rejects %j', (text) => {
    expect(parseByteSize(text).isErr()).toBe(true);
  });

  it('formats any byte count back to text that parses to the same value', () => {
    fc.assert(fc.property(fc.nat({ max: 2 ** 40 }), (bytes) => parseByteSize(formatByteSize(bytes))._unsafeUnwrap() === bytes));
  });
});
