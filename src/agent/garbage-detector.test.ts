import { describe, expect, it } from 'vitest';
import { GarbageDetector } from './garbage-detector.js';

describe('GarbageDetector', () => {
  it('fires at the threshold within the window, not for errors spread out', () => {
    const detector = new GarbageDetector(3, 1_000);
    expect([0, 600, 1_200, 1_800].map((at) => detector.record(at))).toEqual([false, false, false, false]);
    expect(detector.record(1_900)).toBe(true);
    expect(detector.record(1_950)).toBe(false);
  });
});
