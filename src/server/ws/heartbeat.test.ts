import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Heartbeat } from './heartbeat.js';

describe('Heartbeat', () => {
  it('pings every interval and expires a connection silent for pongTimeout after a ping', () => {
    const beat = new Heartbeat<string>(1_000, 200);
    beat.add('a', 0);
    beat.add('b', 0);
    expect(beat.tick(999)).toEqual({ ping: [], expired: [] });
    expect(beat.tick(1_000)).toEqual({ ping: ['a', 'b'], expired: [] });
    beat.seen('b');
    expect(beat.tick(1_199)).toEqual({ ping: [], expired: [] });
    expect(beat.tick(1_200)).toEqual({ ping: [], expired: ['a'] });
    expect(beat.tick(2_000)).toEqual({ ping: ['b'], expired: [] });
    expect(beat.size).toBe(1);
    beat.remove('b');
    expect(beat.tick(9_000)).toEqual({ ping: [], expired: [] });
  });

  it('measures the deadline from the first unanswered ping when pongTimeout exceeds the interval', () => {
    const beat = new Heartbeat<string>(1_000, 2_500);
    beat.add('a', 0);
    expect(beat.tick(1_000).ping).toEqual(['a']);
    expect(beat.tick(2_000).ping).toEqual(['a']);
    expect(beat.tick(3_000).ping).toEqual(['a']);
    expect(beat.tick(3_500).expired).toEqual(['a']);
  });

  it('never expires a connection that answers every ping', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000, max: 5_000 }), fc.integer({ min: 100, max: 5_000 }), fc.array(fc.integer({ min: 1, max: 3_000 }), { maxLength: 50 }), (interval, timeout, steps) => {
        const beat = new Heartbeat<string>(interval, timeout);
        beat.add('a', 0);
        let now = 0;
        for (const step of steps) {
          now += step;
          const due = beat.tick(now);
          expect(due.expired).toEqual([]);
          if (due.ping.length > 0) beat.seen('a');
        }
      }),
    );
  });
});
