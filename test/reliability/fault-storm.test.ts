/**
 * Fault storms: the fake claude crashes, hangs, stalls, prints garbage, exits and fails to start at set rates
 * while every session sends messages, then every start fails for a while, then the faults stop (see
 * support/storm-scenario.ts). Reproduce a failure with the seed it prints:
 * `RELIABILITY_SEED=<seed> npx vitest run test/reliability/fault-storm.test.ts` (`RELIABILITY_KEEP=1` keeps the
 * store and the fake claude's fault log).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runFaultStorm, type StormReport } from './support/storm-scenario.js';
import { scenarioSeed } from './support/seeded-random.js';

const seed = scenarioSeed();
const context = `seed ${seed} (RELIABILITY_SEED=${seed} to reproduce)`;
let report: StormReport;

describe(`fault storm: agent faults at set rates under load (${context})`, () => {
  beforeAll(async () => {
    report = await runFaultStorm(
      { seed, sessions: 6, stormMs: 7_000, outageMs: 3_000, apiOutageMs: 2_500, healthBoundMs: 2_000, log: (line) => console.log(line) },
      process.env['RELIABILITY_KEEP'] === '1',
    );
  }, 90_000);

  it('injects every kind of fault', () => {
    for (const kind of ['crash', 'hang', 'stall', 'garbage', 'exit', 'error', 'api-error', 'crash-on-start']) expect(report.injected[kind] ?? 0, `${kind}; ${context}`).toBeGreaterThan(0);
  });

  it('keeps health and pool status answering within the bound throughout', () => {
    expect(report.health.requests, context).toBeGreaterThan(10);
    expect(report.health.failures, context).toEqual([]);
  });

  it('opens the agent-spawn breaker on failed starts, re-opens it on a failed probe and closes it on a successful one, as configured', () => {
    expect(report.breaker.violations, context).toEqual([]);
    expect(report.breaker.trips, context).toBeGreaterThan(0);
    expect(report.breaker.reopens, context).toBeGreaterThan(0);
    expect(report.breaker.closes, context).toBeGreaterThan(0);
    expect(report.breaker.finalState, context).toBe('closed');
    expect(report.breakerStatus, context).toEqual({ status: 'closed', metric: 'closed' });
  });

  it('opens the anthropic-api breaker on API errors, admits probes in half-open and closes it once the API answers', () => {
    expect(report.apiBreaker.violations, context).toEqual([]);
    expect(report.apiBreaker.trips, context).toBeGreaterThan(0);
    expect(report.apiBreaker.probes, context).toBeGreaterThan(0);
    expect(report.apiBreaker.closes, context).toBeGreaterThan(0);
    expect(report.apiBreaker.finalState, context).toBe('closed');
    expect(report.apiBreakerStatus, context).toEqual({ status: 'closed', metric: 'closed' });
  });

  it('exports fault and recovery metrics equal to the stored faults and the recoveries the pool recorded', () => {
    expect(report.stored.reported.recoveries['started'], context).toBeGreaterThan(0);
    expect(report.mismatches, context).toEqual([]);
  });

  it('counts every recovery the session streams show: started, succeeded (also straight into a queued turn), failed', () => {
    expect(report.stored.fromSessions.recoveries['succeeded'], context).toBeGreaterThan(0);
    expect(report.sessionMismatches, context).toEqual([]);
  });

  it('answers every send with an ack or an error frame, stores every acknowledged message exactly once, and answers again in every session that has not failed', () => {
    expect(report.silentSends, context).toBe(0);
    expect(report.delivery.acked, context).toBeGreaterThan(0);
    expect(report.delivery.lost, context).toEqual([]);
    expect(report.delivery.duplicated, context).toEqual([]);
    expect(report.delivery.mismatched, context).toEqual([]);
    expect(report.unanswered, context).toEqual([]);
  });

  it('ends every accepted turn with exactly one terminal event (TurnCompleted or TurnAborted)', () => {
    expect(report.notQuiet, context).toEqual([]);
    expect(report.turnEnds, context).toEqual([]);
  });

  it('leaves no agent process after a clean stop', () => {
    expect(report.stopExitCode, context).toBe(0);
    expect(report.leftAfterStop, context).toEqual([]);
  });
});
