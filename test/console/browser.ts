/**
 * Drives Debian's Chromium through playwright-core for the console's browser tests: headless, no sandbox (we run
 * as root in CI), background networking off, so the page can only reach the server under test. When no Chromium is
 * installed the tests are skipped with a message saying how to get one (`.ci/run` installs it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterEach, beforeEach } from 'vitest';

const CANDIDATES = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((path): path is string => path !== undefined && path !== '');

/** The system Chromium, or undefined. */
export const CHROMIUM = CANDIDATES.find((path) => existsSync(path));

/** Why the browser tests are skipped, or undefined when they run. */
export const SKIP_REASON = CHROMIUM === undefined ? `console browser tests skipped: no Chromium at ${CANDIDATES.join(', ')} (apt-get install -y chromium, or set CHROMIUM_PATH)` : undefined;

if (SKIP_REASON !== undefined) process.stderr.write(`${SKIP_REASON}\n`);

/** Where screenshots go (ignored by git). */
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

/**
 * A browser launched before each test of the calling `describe` and closed after it; returns the current test's.
 * One per test: a browser shared between tests would be counted as a child process left behind by the pool's
 * after-test check.
 */
export function browserPerTest(): () => Browser {
  let browser: Browser | undefined;
  beforeEach(async () => {
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
  });
  return () => browser!;
}

async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM!,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-default-apps', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** A page of a fresh context (its own sessionStorage: another person). */
export async function newPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(8000);
  return { context, page };
}

/** Opens the console at `url` and signs in with `token`; resolves once the caller is shown. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/console`);
  await page.fill('#token', token);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('#whoami');
}

/** Saves a screenshot under test/artifacts/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}console-${name}.png` });
}
