import { describe, expect, it } from 'vitest';
import type { Deadline } from '../../machines/index.js';
import type { Clock, Timers } from './clock.js';
import { MAX_TIMER_DELAY_MS } from './constants.js';
import { DeadlineTimer } from './deadline-timer.js';

/** Timers that only record; `fire(i)` runs the i-th one still set. */
function recordingTimers() {
  let now = 0;
  const set: { id: number; delay: number; callback: () => void }[] = [];
  let next = 0;
  const clock: Clock = { now: () => now };
  const timers: Timers = {
    set: (callback, delay) => {
      set.push({ id: next, delay, callback });
      return next++;
    },
    clear: (handle) => {
      const index = set.findIndex((timer) => timer.id === handle);
      if (index >= 0) set.splice(index, 1);
    },
  };
  return {
    clock,
    timers,
    set,
    at: (ms: number) => void (now = ms),
    fire: (index = 0) => {
      const [timer] = set.splice(index, 1);
      timer?.callback();
    },
  };
}

const due = (name: string, at: number): Deadline => ({ name, at });

describe('DeadlineTimer', () => {
  it('keeps the timer of an unchanged deadline, replaces it for an earlier one, clears on null', () => {
    const t = recordingTimers();
    const fired: Deadline[] = [];
    const timer = new DeadlineTimer(t.clock, t.timers, (deadline) => fired.push(deadline));
    timer.arm(due('a', 100));
    timer.arm(due('a', 100));
    expect(t.set.map((entry) => entry.delay)).toEqual([100]);
    timer.arm(due('b', 60));
    expect(t.set.map((entry) => entry.delay)).toEqual([60]);
    expect(timer.armed).toEqual(due('b', 60));
    timer.arm(null);
    expect(t.set).toEqual([]);
    expect(timer.armed).toBeNull();
    expect(fired).toEqual([]);
  });

  it('keeps the timer for a later deadline: it fires early, waits the rest, then fires the later deadline only', () => {
    const t = recordingTimers();
    const fired: Deadline[] = [];
    const timer = new DeadlineTimer(t.clock, t.timers, (deadline) => fired.push(deadline));
    timer.arm(due('stall', 100));
    t.at(30);
    timer.arm(due('stall', 130));
    timer.arm(due('idle', 500));
    expect(t.set.map((entry) => entry.delay)).toEqual([100]);
    expect(timer.armed).toEqual(due('idle', 500));
    t.at(100);
    t.fire();
    expect(fired).toEqual([]);
    expect(t.set.map((entry) => entry.delay)).toEqual([400]);
    t.at(500);
    t.fire();
    expect(fired).toEqual([due('idle', 500)]);
    expect(t.set).toEqual([]);
  });

  it('waits again when it fires early, and fires a deadline once', () => {
    const t = recordingTimers();
    const fired: Deadline[] = [];
    const timer = new DeadlineTimer(t.clock, t.timers, (deadline) => fired.push(deadline));
    timer.arm(due('a', 100));
    t.at(40);
    t.fire();
    expect(fired).toEqual([]);
    expect(t.set.map((entry) => entry.delay)).toEqual([60]);
    t.at(100);
    t.fire();
    expect(fired).toEqual([due('a', 100)]);
    timer.arm(due('a', 100));
    expect(t.set).toEqual([]);
    timer.retry(due('a', 100), 25);
    expect(t.set.map((entry) => entry.delay)).toEqual([25]);
  });

  it('clamps past deadlines to 0 and far ones to what setTimeout can wait', () => {
    const t = recordingTimers();
    const timer = new DeadlineTimer(t.clock, t.timers, () => undefined);
    t.at(1_000);
    timer.arm(due('past', 10));
    expect(t.set.map((entry) => entry.delay)).toEqual([0]);
    timer.arm(null);
    timer.arm(due('far', 1_000 + MAX_TIMER_DELAY_MS * 3));
    expect(t.set.map((entry) => entry.delay)).toEqual([MAX_TIMER_DELAY_MS]);
  });
});
