import { describe, expect, it } from 'vitest';
import { bytes, counts } from './format.js';

describe('console formats', () => {
  it('writes byte counts in binary units', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(12_638_097_408)).toBe('11.8 GiB');
  });

  it('writes counts by name on one line, largest first, leaving zeros out', () => {
    expect(counts({ busy: 1, ready: 3, failed: 0 })).toBe('ready 3 · busy 1');
    expect(counts({ crash: 0 })).toBe('none');
    expect(counts(undefined)).toBe('none');
  });
});
