import { describe, expect, it } from 'vitest';
import { RECENT_SEALS_MAX_CHARS, RECENT_SEALS_MAX_ENTRIES, RecentSeals } from './recent-seals.js';

describe('RecentSeals', () => {
  it('recalls a plaintext only for the event it was sealed for', () => {
    const recent = new RecentSeals();
    recent.remember('box', 's\nid\nT', '{"text":"x"}');
    expect(recent.recall('box', 's\nid\nT')).toBe('{"text":"x"}');
    expect(recent.recall('box', 's\nother\nT')).toBeUndefined();
    expect(recent.recall('other', 's\nid\nT')).toBeUndefined();
  });

  it('keeps at most its entries and characters, dropping the oldest', () => {
    const recent = new RecentSeals();
    for (let i = 0; i <= RECENT_SEALS_MAX_ENTRIES; i++) recent.remember(`b${i}`, `x${i}`, 'p');
    expect(recent.size).toBe(RECENT_SEALS_MAX_ENTRIES);
    expect(recent.recall('b0', 'x0')).toBeUndefined();
    expect(recent.recall('b1', 'x1')).toBe('p');
    const big = 'p'.repeat(RECENT_SEALS_MAX_CHARS / 16);
    const sized = new RecentSeals();
    for (let i = 0; i < 20; i++) sized.remember(`b${i}`, `x${i}`, big);
    expect(sized.size).toBe(16);
    sized.remember('huge', 'x', `${big}p`);
    expect(sized.recall('huge', 'x')).toBeUndefined();
  });
});
