/**
 * Budgets across a restart of the real server (`aicli-api serve`, SQLite store, fake claude): what a tenant spent and
 * a limit raised at run time are events, so a restarted server (from its projection checkpoints, or folding the whole
 * log with `--refold`) reports the same usage and enforces the same limits.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newKeyEntry } from '../../src/store/index.js';
import { until } from '../pool/support.js';
import { callApi } from '../support/rest.js';
import { startServerProcess } from '../support/server-process.js';

const KEYS = { AICLI_ENCRYPTION_KEYS: newKeyEntry('budgets-restart') };
/** Auth is off, and callers name themselves: `ada` of tenant `acme`, an admin. */
const BUDGET = ['--set', 'session_pool.min_size=0', '--set', `budgets.tenants=${JSON.stringify([{ tenant: 'acme', max_usd_per_day: 0.25 }])}`];

async function withServer<T>(file: string, args: readonly string[], during: (url: string) => Promise<T>): Promise<T> {
  const server = await startServerProcess(['--store', `sqlite:${file}`, ...BUDGET, ...args], KEYS);
  try {
    return await during(server.url);
  } finally {
    expect(await server.stop('SIGTERM')).toBe(0);
  }
}

const usage = async (url: string): Promise<any> => (await callApi(url, 'GET', '/tenants/acme/usage')).body;

describe('budgets across a restart', () => {
  it('keeps what was spent and the limits changed at run time, from checkpoints and from a full fold', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aicli-budgets-')), 'events.db');
    const before = await withServer(file, [], async (url) => {
      const created = await callApi(url, 'POST', '/sessions', {});
      expect(created.status).toBe(201);
      const id = created.body.session.id as string;
      expect((await callApi(url, 'POST', `/sessions/${id}/messages`, { text: 'spend ::cost 0.3' })).status).toBe(202);
      await until('the turn is counted', async () => (await usage(url)).totals.turns === 1, 10_000);
      expect((await callApi(url, 'POST', `/sessions/${id}/messages`, { text: 'more' })).body.error.code).toBe('budget_exhausted');
      expect((await callApi(url, 'PUT', '/tenants/acme/budget', { maxUsdPerMonth: 7 })).status).toBe(200);
      return usage(url);
    });
    expect(before.limits).toMatchObject({ maxUsdPerDay: 0.25, maxUsdPerMonth: 7 });
    expect(before.day.usd).toBeCloseTo(0.3, 9);

    for (const args of [[], ['--refold']]) {
      await withServer(file, args, async (url) => {
        const after = await usage(url);
        expect({ ...after, at: null }).toEqual({ ...before, at: null, liveSessions: after.liveSessions });
        const sessions = (await callApi(url, 'GET', '/sessions')).body.sessions as Array<{ id: string }>;
        expect((await callApi(url, 'POST', `/sessions/${sessions[0]!.id}/messages`, { text: 'again' })).body.error.code).toBe('budget_exhausted');
      });
    }
  }, 60_000);
});
