/**
 * Safe by default, end to end with the real `aicli-api`: auth on with nothing configured generates an admin key and
 * a JWT secret in `agent.data_dir/auth/` (0600), prints the key once with a curl example, and requires it; a restart
 * reuses them silently; a configured secret wins. `aicli-api keys` manages keys offline in the same SQLite store:
 * a key it creates works on the next start, and it refuses to write while a server holds the store.
 */
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startServerProcess } from '../support/server-process.js';

const root = mkdtempSync(join(tmpdir(), 'aicli-first-start-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const KEY_LINE = /^ {4}(aik_[A-Za-z0-9_-]{43})$/m;
const get = (url: string, key?: string) => fetch(`${url}/api/v1/sessions`, { headers: key === undefined ? {} : { 'x-api-key': key } });

describe('first start', () => {
  it('generates, prints once and requires an admin key; a restart reuses it silently; keys made offline work', async () => {
    const dataDir = join(root, 'agents');
    const store = `sqlite:${join(root, 'events.db')}`;
    // auth.enabled=true is the default; said here because the test helper turns auth off for tests that do not.
    const args = ['--store', store, '--set', 'auth.enabled=true'];
    const env = { AICLI__AGENT__DATA_DIR: dataDir };

    const first = await startServerProcess(args, env);
    // stderr and stdout are separate pipes: the notice, written first, may arrive after the listening line.
    for (let waited = 0; !KEY_LINE.test(first.stderr()) && waited < 5_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    const printed = KEY_LINE.exec(first.stderr());
    expect(printed, first.stderr()).not.toBeNull();
    const adminKey = printed![1]!;
    expect(first.stderr()).toContain(`curl -H 'x-api-key: ${adminKey}' ${first.url}/api/v1/sessions`);
    expect(first.stdout()).not.toContain(adminKey);
    for (const file of ['jwt-secret', 'admin-key.json']) expect(statSync(join(dataDir, 'auth', file)).mode & 0o777).toBe(0o600);
    expect((await get(first.url)).status).toBe(401);
    expect((await get(first.url, adminKey)).status).toBe(200);
    // The locked store refuses offline writes while the server runs.
    const refused = runCli(['keys', 'create', '--name', 'ci', '--role', 'user', ...args], env);
    expect(await refused.exited).toBe(1);
    expect(refused.output().stderr).toContain('use its /api/v1/api-keys routes');
    expect(await first.stop()).toBe(0);

    const created = runCli(['keys', 'create', '--name', 'ci', '--role', 'user', '--tenant', 'acme', '--json', ...args], env);
    expect(await created.exited).toBe(0);
    const { key, apiKey } = JSON.parse(created.output().stdout) as { key: string; apiKey: { id: string } };
    const listed = runCli(['keys', 'list', ...args], env);
    expect(await listed.exited).toBe(0);
    expect(listed.output().stdout).toContain(`${apiKey.id}  ci  user  acme  aik_…${key.slice(-4)}`);

    const second = await startServerProcess(args, env);
    expect(second.stderr()).not.toMatch(KEY_LINE);
    expect((await get(second.url, adminKey)).status).toBe(200);
    expect((await get(second.url, key)).status).toBe(200);
    expect(await second.stop()).toBe(0);

    const revoked = runCli(['keys', 'revoke', apiKey.id, ...args], env);
    expect(await revoked.exited).toBe(0);
    const again = runCli(['keys', 'revoke', apiKey.id, ...args], env);
    expect(await again.exited).toBe(1);
    expect(again.output().stderr).toBe(`error: API key ${apiKey.id} is already revoked\n`);
  }, 60_000);

  it('a configured secret wins: nothing is generated or printed', async () => {
    const dataDir = join(root, 'configured');
    const server = await startServerProcess(['--set', 'auth.jwt.secret=a-configured-secret-of-at-least-32-bytes'], { AICLI__AGENT__DATA_DIR: dataDir });
    expect(server.stderr()).not.toMatch(KEY_LINE);
    expect(existsSync(join(dataDir, 'auth'))).toBe(false);
    expect((await get(server.url)).status).toBe(401);
    expect(await server.stop()).toBe(0);
  }, 30_000);
});
