/**
 * The console in a real browser against a real server with the fake claude: sign in, see who you are, create a
 * session, send a message and watch the answer stream; a second person joins as an editor and is seen; a tool
 * approval answered by one disappears from the other's page.
 */
import { describe, expect, it } from 'vitest';
import { startTestApi } from '../support/api-server.js';
import { AUTH_ON, callWith, bearerOf, testJwt } from '../support/auth-api.js';
import { browserPerTest, newPage, screenshot, signIn, SKIP_REASON } from './browser.js';

describe.skipIf(SKIP_REASON !== undefined)('the console in a browser', () => {
  const browser = browserPerTest();

  it('signs in, shows who you are, creates a session and streams the answer to a message', async () => {
    const api = await startTestApi(AUTH_ON);
    const { page } = await newPage(browser());
    await page.goto(`${api.url}/console`);
    await page.fill('#token', 'not-a-key');
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#sign-in-error:has-text("refused")');

    await signIn(page, api.url, await testJwt('ada', 'acme', 'user'));
    expect(await page.textContent('#whoami')).toContain('ada');
    expect(await page.textContent('#whoami')).toContain('tenant acme');
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual(['aicli.console.credentials']);
    expect(await page.evaluate('Object.keys(localStorage)')).toEqual([]);

    await page.click('#create-session button[type=submit]');
    await page.waitForSelector('#session-state');
    // Every status the message shows in the outbox, recorded in the page (it may pass faster than a poll).
    await page.evaluate(() => {
      const g = globalThis as any;
      g.seen = [];
      const note = (status: string | undefined) => status !== undefined && !g.seen.includes(status) && g.seen.push(status);
      new g.MutationObserver((records: any[]) => {
        for (const record of records) {
          for (const added of record.addedNodes) note(added.dataset?.status);
          if (record.type === 'attributes' && record.attributeName === 'data-status') note(record.target.getAttribute('data-status'));
        }
      }).observe(g.document.getElementById('outbox'), { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
    });
    await page.fill('#composer', 'hello there, this is a longer message so that it streams ::slow 40');
    await page.press('#composer', 'Enter');
    const streaming = await page.waitForSelector('.item-assistant[data-streaming]');
    expect(await streaming.textContent()).toContain('echo');
    await page.waitForSelector('.item-assistant:not([data-streaming]):has-text("echo: hello there, this is a longer message")');
    await page.waitForSelector('.item-turnEnd');
    // Queued until the server acknowledged it, then gone once the conversation shows it.
    expect(await page.evaluate('seen')).toEqual(['queued', 'acked']);
    expect(await page.locator('#outbox li').count()).toBe(0);
    expect(await page.locator('.item-user').textContent()).toContain('hello there');

    // API retries and a failed turn show as such; an interrupt stops a slow answer.
    await page.fill('#composer', 'flaky ::api-retry 2 ::api-error 529');
    await page.press('#composer', 'Enter');
    await page.waitForSelector('.item-retry:has-text("retry 2/")');
    await page.waitForSelector('.item-error:has-text("the turn ended with an error")');
    await page.fill('#composer', `${'slowly '.repeat(40)}::slow 200`);
    await page.press('#composer', 'Enter');
    await page.waitForSelector('.item-assistant[data-streaming]');
    await page.click('#interrupt');
    await page.waitForSelector('.item-notice:has-text("ada interrupted")');
    await page.waitForSelector('.item-assistant[data-streaming]', { state: 'detached' });
    await screenshot(page, 'conversation');

    await page.click('a[href="#/sessions"]');
    await page.waitForSelector('#session-rows tr[data-session]');
    expect(await page.locator('#session-rows tr').count()).toBe(1);
    expect(await page.textContent('#session-rows tr')).toMatch(/\$0\.00[1-9]/);

    page.on('dialog', (dialog) => void dialog.accept());
    await page.click('#session-rows [data-terminate]');
    await page.waitForSelector('#list-status:has-text("0 sessions")');
    expect(await page.locator('#session-rows tr').count()).toBe(0);
  });

  it('shows a second person who joins as an editor, and an approval answered by one disappears for the other', async () => {
    const api = await startTestApi(AUTH_ON);
    const ada = await bearerOf('ada', 'acme', 'user');
    const created = await callWith(api, 'POST', '/sessions', ada, {});
    const id = created.body.session.id as string;

    const first = await newPage(browser());
    const second = await newPage(browser());
    await signIn(first.page, api.url, await testJwt('ada', 'acme', 'user'));
    await first.page.goto(`${api.url}/console#/s/${id}`);
    await first.page.fill('#share [name=userId]', 'bob');
    await first.page.selectOption('#share [name=role]', 'editor');
    await first.page.click('#share button[type=submit]');
    await first.page.waitForSelector('#session-info:has-text("bob (editor)")');
    expect((await callWith(api, 'GET', `/sessions/${id}`, ada)).body.participants).toContainEqual({ userId: 'bob', role: 'editor' });
    await signIn(second.page, api.url, await testJwt('bob', 'acme', 'user'));
    await second.page.goto(`${api.url}/console#/s/${id}`);
    await first.page.waitForSelector('#presence [data-user="bob"]');
    await second.page.waitForSelector('#presence [data-user="ada"]');
    await second.page.type('#composer', 'typing');
    await first.page.waitForSelector('#presence [data-user="bob"][data-status="typing"]');
    await second.page.fill('#composer', '');

    await first.page.fill('#composer', 'please ::tool Bash ls_-la');
    await first.page.press('#composer', 'Enter');
    await first.page.waitForSelector('.item-approval[data-status="pending"] [data-approve="allow"]');
    await second.page.waitForSelector('.item-approval[data-status="pending"] [data-approve="allow"]');
    await screenshot(second.page, 'approval');
    // Bob edits the input before allowing: the tool runs with his command.
    await second.page.fill('.approval-input', '{"command": "ls -l /tmp"}');
    await second.page.click('[data-approve="allow"]');
    await first.page.waitForSelector('.item-approval[data-status="allowed"]:has-text("by bob")');
    expect(await first.page.locator('[data-approve]').count()).toBe(0);
    expect(await second.page.locator('[data-approve]').count()).toBe(0);
    await first.page.waitForSelector('.item-assistant:has-text("tool Bash: allowed")');
    expect(await first.page.textContent('.item-assistant:has-text("tool Bash: allowed")')).toContain('ls -l /tmp');
  });
});
