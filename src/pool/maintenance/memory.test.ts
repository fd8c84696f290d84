import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveMemoryBudget, groupRss, liveProcessCap, readProcessRss, RssEstimator } from './memory.js';

const MB = 1024 * 1024;

describe('readProcessRss / groupRss', () => {
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = once(child, 'exit');
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    }
  });

  it('reads this process its own RSS in bytes', () => {
    const rss = readProcessRss(process.pid);
    expect(rss).toBeGreaterThan(MB);
    // /proc and process.memoryUsage() sample at different instants; same order of magnitude is enough.
    expect(rss! / process.memoryUsage().rss).toBeGreaterThan(0.5);
    expect(rss! / process.memoryUsage().rss).toBeLessThan(2);
  });

  it('reads a gone process as undefined and a gone group as 0', () => {
    expect(readProcessRss(2 ** 30)).toBeUndefined();
    expect(groupRss(2 ** 30)).toBe(0);
  });

  it('sums the RSS of a live process group', async () => {
    const child = spawn('sleep', ['5'], { detached: true, stdio: 'ignore' });
    children.push(child);
    await once(child, 'spawn');
    expect(groupRss(child.pid!)).toBeGreaterThan(0);
  });
});

describe('deriveMemoryBudget', () => {
  it('uses the configured value, or half of total memory for 0', () => {
    expect(deriveMemoryBudget(4_000 * MB, 16_000 * MB)).toBe(4_000 * MB);
    expect(deriveMemoryBudget(0, 16_001)).toBe(8_000);
  });
});

describe('liveProcessCap', () => {
  it('takes the smallest bound', () => {
    expect(liveProcessCap({ maxSize: 50, maxProcesses: 0, budgetBytes: 2_400 * MB, perProcessBytes: 240 * MB })).toBe(10);
    expect(liveProcessCap({ maxSize: 50, maxProcesses: 8, budgetBytes: 2_400 * MB, perProcessBytes: 240 * MB })).toBe(8);
    expect(liveProcessCap({ maxSize: 5, maxProcesses: 8, budgetBytes: 2_400 * MB, perProcessBytes: 240 * MB })).toBe(5);
    expect(liveProcessCap({ maxSize: 5, maxProcesses: 0, budgetBytes: 100 * MB, perProcessBytes: 240 * MB })).toBe(1);
    expect(liveProcessCap({ maxSize: 5, maxProcesses: 0, budgetBytes: 100 * MB, perProcessBytes: 0 })).toBe(5);
  });

  it('is at least 1 and never above any bound that allows at least one process', () => {
    fc.assert(
      fc.property(
        fc.record({ maxSize: fc.nat({ max: 1_000 }), maxProcesses: fc.nat({ max: 1_000 }), budgetBytes: fc.nat(), perProcessBytes: fc.nat() }),
        (input) => {
          const cap = liveProcessCap(input);
          expect(Number.isInteger(cap)).toBe(true);
          expect(cap).toBeGreaterThanOrEqual(1);
          expect(cap).toBeLessThanOrEqual(Math.max(1, input.maxSize));
          if (input.maxProcesses > 0) expect(cap).toBeLessThanOrEqual(input.maxProcesses);
          if (input.perProcessBytes > 0) expect(cap).toBeLessThanOrEqual(Math.max(1, Math.floor(input.budgetBytes / input.perProcessBytes)));
        },
      ),
    );
  });
});

describe('RssEstimator', () => {
  it('starts from the configured estimate and moves towards measurements', () => {
    const estimator = new RssEstimator(240 * MB);
    expect(estimator.estimate()).toBe(240 * MB);
    estimator.observe(0);
    estimator.observe(Number.NaN);
    expect(estimator.estimate()).toBe(240 * MB);
    for (let i = 0; i < 100; i++) estimator.observe(400 * MB);
    expect(Math.abs(estimator.estimate() - 400 * MB)).toBeLessThan(MB);
  });

  it('stays between the initial estimate and the measurements', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.array(fc.integer({ min: 1, max: 2 ** 40 })), (initial, samples) => {
        const estimator = new RssEstimator(initial);
        samples.forEach((sample) => estimator.observe(sample));
        const all = [initial, ...samples];
        expect(estimator.estimate()).toBeGreaterThanOrEqual(Math.min(...all));
        expect(estimator.estimate()).toBeLessThanOrEqual(Math.max(...all));
      }),
    );
  });
});
