/**
 * The console is served by the API server itself: the page and its hashed files with the right content types,
 * caching and a Content-Security-Policy that allows this origin only; without a build, a page that says so.
 */
import { describe, expect, it } from 'vitest';
import { startTestApi } from '../support/api-server.js';
import { consoleRoutes, CONSOLE_CSP } from '../../src/server/console/routes.js';
import { loadConsoleAssets } from '../../src/server/console/assets.js';

describe('GET /console', () => {
  it('serves the page and the files it names, cached by hash, with a CSP that forbids other origins', async () => {
    const api = await startTestApi();
    const page = await fetch(`${api.url}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("default-src 'none'");
    expect(CONSOLE_CSP).not.toMatch(/https?:|\*/);
    const html = await page.text();
    const script = /src="\/console\/(app-[\w]+\.js)"/.exec(html)![1]!;
    const style = /href="\/console\/(console-[\w]+\.css)"/.exec(html)![1]!;
    expect(html).not.toMatch(/https?:\/\//);

    const js = await fetch(`${api.url}/console/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await js.text()).length).toBeGreaterThan(1000);
    const css = await fetch(`${api.url}/console/${style}`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');

    const again = await fetch(`${api.url}/console`, { headers: { 'if-none-match': page.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect((await fetch(`${api.url}/console/`)).status).toBe(200);
    expect((await fetch(`${api.url}/console/console.json`)).status).toBe(404);
    expect((await fetch(`${api.url}/console/nothing.js`)).status).toBe(404);
  });

  it('answers a page saying how to build the console when its files are missing', () => {
    const routes = consoleRoutes(loadConsoleAssets(['/nonexistent/console/']));
    const answer = routes[0]!.handler({ method: 'GET', path: '/console', query: new URLSearchParams(), params: {}, headers: {}, body: undefined, requestId: 'r' }) as { status: number; body: string; headers: Record<string, string> };
    expect(answer.status).toBe(503);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.body).toContain('npm run build');
  });
});
