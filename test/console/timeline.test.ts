/**
 * The console's timeline, sessions list and operations page in a real browser: scrub back to an earlier revision
 * and see the machine's state then, fork from it and land in the new session; the list of 1,000 sessions paints
 * within a second; an operator sees the pool, the breakers and the WebSocket status.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { until } from '../pool/support.js';
import { startTestApi } from '../support/api-server.js';
import { AUTH_ON, bearerOf, callWith, testJwt } from '../support/auth-api.js';
import { browserPerTest, newPage, screenshot, signIn, SKIP_REASON } from './browser.js';

describe.skipIf(SKIP_REASON !== undefined)('the console in a browser: timeline, list, operations', () => {
  const browser = browserPerTest();

  it('scrubs the timeline back to an earlier state, steps, and forks from that revision', async () => {
    const api = await startTestApi(AUTH_ON);
    const ada = await bearerOf('ada', 'acme', 'user');
    const id = (await callWith(api, 'POST', '/sessions', ada, {})).body.session.id as string;
    // Sent once the agent is up, the message moves the machine from ready to busy (before, it would wait in the queue).
    await until('the agent is ready', async () => (await callWith(api, 'GET', `/sessions/${id}`, ada)).body.state === 'ready', 8000);
    expect((await callWith(api, 'POST', `/sessions/${id}/messages`, ada, { text: 'first' })).status).toBe(202);
    await until('the first turn completes', async () => (await callWith(api, 'GET', `/sessions/${id}`, ada)).body.usage.turns === 1, 8000);
    const events = (await callWith(api, 'GET', `/sessions/${id}/events?limit=1000`, ada)).body.events as Array<{ revision: number; type: string }>;
    const accepted = events.find((event) => event.type === 'MessageAccepted')!.revision;
    const completed = events.find((event) => event.type === 'TurnCompleted')!.revision;

    const { page } = await newPage(browser());
    await signIn(page, api.url, await testJwt('ada', 'acme', 'user'));
    await page.goto(`${api.url}/console#/s/${id}/timeline`);
    await page.waitForSelector(`#event-list li[data-revision="${completed}"]`);
    await page.waitForSelector('#scrub-state [data-state="idle"], #scrub-state [data-state="ready"]');

    await page.click(`#event-list li[data-revision="${accepted}"]`);
    await page.waitForSelector('#scrub-state [data-state="busy"]');
    expect(await page.textContent('#scrub-state .state-strip li.current')).toBe('busy');
    expect(await page.textContent('#scrub-revision')).toContain(`revision ${accepted}`);
    expect(await page.textContent('#scrub-event')).toContain('MessageAccepted');
    expect(await page.textContent('#scrub-changes')).toContain('currentTurn');
    await page.click('#step-back');
    await page.waitForSelector(`#scrub-revision:has-text("revision ${accepted - 1}")`);
    await page.waitForSelector('#scrub-state [data-state="ready"], #scrub-state [data-state="idle"]');
    await page.click('#step-forward');
    await page.waitForSelector(`#scrub-revision:has-text("revision ${accepted}")`);
    await screenshot(page, 'timeline');

    await page.$eval('#scrubber', (input, value) => {
      const range = input as unknown as { value: string; dispatchEvent(event: unknown): void };
      range.value = String(value);
      range.dispatchEvent(new (globalThis as any).Event('input'));
    }, completed);
    await page.waitForSelector(`#scrub-revision:has-text("revision ${completed}")`);
    await page.click('#fork-here');
    await page.waitForFunction((original) => { const hash: string = (globalThis as any).location.hash; return hash.startsWith('#/s/') && !hash.includes(original); }, id);
    await page.waitForSelector(`#session-info a[href="#/s/${id}"]`);
    expect(await page.textContent('#session-info')).toContain(`@${completed}`);
    const forkId = (await page.evaluate('location.hash') as string).replace('#/s/', '');
    expect((await callWith(api, 'GET', `/sessions/${forkId}`, ada)).body.forkedFrom).toEqual({ sessionId: id, revision: completed });
  });

  it('paints the first sessions of 1,000 within a second and lists them all', async () => {
    const api = await startTestApi(AUTH_ON);
    for (let index = 0; index < 1000; index++) {
      const sessionId = randomUUID();
      (await api.store.append(`session-${sessionId}`, [{ type: 'SessionProvisioned', data: { sessionId, tenant: 'acme', owner: 'ops', at: Date.now() - index } }], { expectedRevision: 'no_stream' }))._unsafeUnwrap();
    }
    await until('the list has them', async () => (await callWith(api, 'GET', '/sessions?limit=1', await bearerOf('ops', 'acme', 'operator'))).body.nextCursor !== null, 5000);
    const { page } = await newPage(browser());
    await signIn(page, api.url, await testJwt('ops', 'acme', 'operator'));
    // A fresh load of the page (credentials already in this tab's sessionStorage): script, `/me`, the first page.
    await page.goto('about:blank');
    const started = Date.now();
    await page.goto(`${api.url}/console#/sessions`);
    await page.waitForSelector('#session-rows tr[data-session]');
    const firstPaint = Date.now() - started;
    await page.waitForSelector('#list-status:has-text("1000 sessions")');
    expect(await page.locator('#session-rows tr').count()).toBe(1000);
    process.stdout.write(`console: first rows of 1,000 sessions painted in ${firstPaint} ms, all listed in ${Date.now() - started} ms\n`);
    expect(firstPaint).toBeLessThan(1000);
  });

  it('shows operators the pool, the breakers and the WebSocket status, with a link to the metrics, and replays the pool stream', async () => {
    const api = await startTestApi(AUTH_ON);
    const { page } = await newPage(browser());
    await signIn(page, api.url, await testJwt('ops', 'acme', 'operator'));
    await page.goto(`${api.url}/console#/ops`);
    await page.waitForSelector('#ops-pool table');
    await page.waitForSelector('#ops-breakers [data-breaker]');
    await page.waitForSelector('#ops-websocket table');
    expect(await page.textContent('#ops-websocket')).toContain('open');
    expect(await page.getAttribute('a[href="/metrics"]', 'href')).toBe('/metrics');
    await screenshot(page, 'operations');

    // The pool's own stream, replayed: its events with their transitions, and its context at a revision.
    await page.click('#pool-timeline');
    await page.waitForSelector('#event-list li[data-revision="0"]');
    await page.click('#event-list li[data-revision="0"]');
    await page.waitForSelector('#scrub-revision:has-text("revision 0 of")');
    await page.waitForSelector('#scrub-context:has-text("{")');
    expect(await page.textContent('#scrub-entry')).toContain('state');
  });
});
