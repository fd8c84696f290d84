/**
 * The console survives a network drop while an answer streams: the page talks to the server through a TCP proxy that
 * resets every connection at once; the page reconnects and resumes from the last revision it had: every event once,
 * the whole answer, nothing repeated. (Chromium's offline emulation leaves open WebSockets alone, hence the proxy.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApi } from '../support/api-server.js';
import { AUTH_ON, bearerOf, callWith, testJwt } from '../support/auth-api.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { browserPerTest, newPage, signIn, SKIP_REASON } from './browser.js';

describe.skipIf(SKIP_REASON !== undefined)('the console across a network drop', () => {
  const browser = browserPerTest();
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
  });

  it('reconnects and resumes from the last revision while output streams', async () => {
    const api = await startTestApi(AUTH_ON);
    const ada = await bearerOf('ada', 'acme', 'user');
    const id = (await callWith(api, 'POST', '/sessions', ada, {})).body.session.id as string;
    proxy = await startTcpProxy(api.url);
    const { page } = await newPage(browser());
    await signIn(page, proxy.url, await testJwt('ada', 'acme', 'user'));
    await page.goto(`${proxy.url}/console#/s/${id}`);
    await page.waitForSelector('#connection[data-state="open"]');

    const text = `${'streaming through a network drop '.repeat(5)}::slow 60`;
    await page.fill('#composer', text);
    await page.press('#composer', 'Enter');
    await page.waitForSelector('.item-assistant[data-streaming]');
    proxy.drop();
    await page.waitForSelector('#connection[data-state="closed"], #connection[data-state="connecting"]');
    await page.waitForSelector('#connection[data-state="open"]', { timeout: 10_000 });
    await page.waitForSelector('.item-turnEnd');

    const stored = (await callWith(api, 'GET', `/sessions/${id}/events?limit=1000`, ada)).body.events as unknown[];
    await page.waitForSelector(`#conversation[data-events="${stored.length}"]`);
    expect(await page.getAttribute('#conversation', 'data-contiguous')).toBe('true');
    expect(await page.textContent('.item-assistant')).toBe(`claudeecho: ${text}`);
  });
});
