/**
 * The console survives a restart of the server while an answer streams: the page reconnects on its own, resumes
 * its subscription from the last revision it had, and ends up with every event of the session exactly once and in
 * order (compared with the stored stream); the conversation goes on after the restart.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newKeyEntry } from '../../src/store/index.js';
import { freePort } from '../dashboards/prometheus.js';
import { callApi } from '../support/rest.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { browserPerTest, newPage, screenshot, SKIP_REASON } from './browser.js';

const KEYS = { AICLI_ENCRYPTION_KEYS: newKeyEntry('console-restart') };

describe.skipIf(SKIP_REASON !== undefined)('the console across a server restart', () => {
  const browser = browserPerTest();
  let server: ServerProcess | undefined;
  afterEach(async () => {
    await server?.stop('SIGTERM');
  });

  it('resumes from the last revision with nothing lost nor repeated while an answer streams', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aicli-console-restart-'));
    const port = await freePort();
    const args = ['--port', String(port), '--store', `sqlite:${join(dir, 'events.db')}`, '--set', 'session_pool.min_size=0'];
    const env = { ...KEYS, AICLI__AGENT__DATA_DIR: join(dir, 'data') };
    server = await startServerProcess(args, env);

    const { page } = await newPage(browser());
    await page.goto(`${server.url}/console`);
    await page.click('#sign-in summary');
    await page.fill('#open-user', 'ada');
    await page.fill('#open-tenant', 'acme');
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#whoami');
    await page.click('#create-session button[type=submit]');
    await page.waitForSelector('#session-state');
    const id = (await page.evaluate('location.hash') as string).replace('#/s/', '');

    await page.fill('#composer', `${'a long answer that keeps streaming for a while '.repeat(6)}::slow 120`);
    await page.press('#composer', 'Enter');
    await page.waitForSelector('.item-assistant[data-streaming]');
    await server.stop('SIGTERM');
    await page.waitForSelector('#connection[data-state="closed"]');
    server = await startServerProcess(args, env);
    await page.waitForSelector('#connection[data-state="open"]', { timeout: 15_000 });

    await page.fill('#composer', 'after the restart');
    await page.press('#composer', 'Enter');
    await page.waitForSelector('.item-assistant:has-text("echo: after the restart")', { timeout: 15_000 });
    const stored = (await callApi(server.url, 'GET', `/sessions/${id}/events?limit=1000`)).body.events as Array<{ revision: number }>;
    await page.waitForSelector(`#conversation[data-events="${stored.length}"]`);
    expect(await page.getAttribute('#conversation', 'data-contiguous')).toBe('true');
    expect(await page.locator('.item-user').count()).toBe(2);
    expect(await page.locator('.item-error').first().textContent()).toContain('turn aborted');
    await screenshot(page, 'restart');
  }, 60_000);
});
