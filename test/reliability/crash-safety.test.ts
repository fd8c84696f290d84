/**
 * Crash safety: the server is killed with SIGKILL at random moments while WebSocket clients send messages, and
 * restarted on the same SQLite store each time (see support/crash-scenario.ts). Reproduce a failure with the seed
 * it prints: `RELIABILITY_SEED=<seed> npx vitest run test/reliability/crash-safety.test.ts` (`RELIABILITY_KEEP=1`
 * keeps the store and data directory).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runCrashScenario, type CrashScenarioReport } from './support/crash-scenario.js';
import { scenarioSeed } from './support/seeded-random.js';

const seed = scenarioSeed();
const context = `seed ${seed} (RELIABILITY_SEED=${seed} to reproduce)`;
let report: CrashScenarioReport;

describe(`crash safety: kill -9 under load, restart on the same store (${context})`, () => {
  beforeAll(async () => {
    report = await runCrashScenario(
      { seed, rounds: 3, sessions: 3, clientsPerSession: 2, killAfterMs: [150, 1_200], log: (line) => console.log(line) },
      process.env['RELIABILITY_KEEP'] === '1',
    );
  }, 90_000);

  it('stores every acknowledged message exactly once, under the turn id of its ack', () => {
    expect(report.delivery.acked, context).toBeGreaterThan(0);
    expect(report.delivery.lost, context).toEqual([]);
    expect(report.delivery.duplicated, context).toEqual([]);
    expect(report.delivery.mismatched, context).toEqual([]);
    // Resending after the restart gets every message acknowledged in the end.
    expect(report.neverAcked, context).toBe(0);
  });

  it('ends every accepted turn with exactly one terminal event (TurnCompleted or TurnAborted)', () => {
    expect(report.notQuiet, context).toEqual([]);
    expect(report.turnEnds, context).toEqual([]);
  });

  it('answers a new message in every session after each restart', () => {
    expect(report.kills, context).toBe(report.rounds);
    expect(report.unanswered, context).toEqual([]);
  });

  it('leaves no agent process behind: none survives a restart unowned, none the final clean stop', () => {
    // The kills did leave agents running (else the restart had nothing to reap and this proves little).
    expect(report.leftByKills, context).toBeGreaterThan(0);
    expect(report.orphans, context).toEqual([]);
    expect(report.stopExitCode, context).toBe(0);
    expect(report.leftAfterStop, context).toEqual([]);
  });
});
