import { describe, expect, it, vi } from 'vitest';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { fileURLToPath } from 'node:url';
import { runCli, startServerProcess } from '../support/server-process.js';
import { AUTH_DISABLED_WARNING } from '../../src/cli/serve.js';

const ADVANCED = fileURLToPath(new URL('../../config/advanced.yaml', import.meta.url));

async function health(url: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${url}/api/v1/health`)).json()) as Record<string, unknown>;
}

function logLines(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('aicli-api serve', () => {
  it('starts with the documented flags, reports the advanced profile and stops cleanly on SIGTERM', async () => {
    const server = await startServerProcess([`--config=${ADVANCED}`, '--enable-advanced-features']);
    const startup = logLines(server.stdout())[0]!;
    expect(startup).toMatchObject({ level: 30, profile: 'advanced', config_file: ADVANCED, port: server.port });
    expect(startup.msg).toBe(`aicli-api 0.1.0 listening on http://127.0.0.1:${server.port} (advanced profile)`);
    expect(await health(server.url)).toMatchObject({ profile: 'advanced', version: '0.1.0' });

    expect(await server.stop('SIGTERM')).toBe(0);
    const messages = logLines(server.stdout()).map((line) => line.msg);
    expect(messages).toContain('received SIGTERM, shutting down');
    expect(messages.at(-1)).toBe('stopped');
    await expect(fetch(`${server.url}/api/v1/health`)).rejects.toThrow();
  });

  it('starts with AICLI_ADVANCED_FEATURES and AICLI_CONFIG_FILE, and stops on SIGINT', async () => {
    const server = await startServerProcess([], { AICLI_ADVANCED_FEATURES: 'true', AICLI_CONFIG_FILE: ADVANCED });
    expect(await health(server.url)).toMatchObject({ profile: 'advanced' });
    expect(await server.stop('SIGINT')).toBe(0);
  });

  it('warns when the file asks for advanced behaviour without the switch', async () => {
    const server = await startServerProcess([`--config=${ADVANCED}`]);
    const warnings = logLines(server.stdout()).filter((line) => line.level === 40).map((line) => line.msg);
    expect(warnings).toContain('session_pool.auto_scaling.enabled is true but has no effect without --enable-advanced-features (or AICLI_ADVANCED_FEATURES=true)');
    // The default config: auth off, on loopback, said out loud (right after the startup line).
    await vi.waitFor(() => expect(logLines(server.stdout()).filter((line) => line.level === 40).map((line) => line.msg)).toContain(AUTH_DISABLED_WARNING));
    expect(await health(server.url)).toMatchObject({ profile: 'basic' });
    expect(await server.stop()).toBe(0);
  });

  it('reports the agent command as not ready when it cannot be found', async () => {
    const server = await startServerProcess(['--set', 'agent.command=definitely-not-installed-claude']);
    expect(await health(server.url)).toMatchObject({
      status: 'degraded',
      checks: {
        store: { ready: true, critical: true, detail: 'memory:' },
        agent: { ready: false, critical: false, detail: expect.stringMatching(/^agent\.command "definitely-not-installed-claude": not found on PATH \(searched PATH=/) },
      },
    });
    expect(await server.stop()).toBe(0);
  });

  it('--inspect with nothing listening warns once that the inspector cannot be reached, and keeps serving', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const url = `ws://127.0.0.1:${closedPort}`;
    const server = await startServerProcess(['--inspect', url]);
    const unreachable = () => logLines(server.stdout()).filter((line) => line.level === 40 && String(line.msg).startsWith('cannot reach the Stately inspector'));
    const deadline = Date.now() + 10_000;
    while (unreachable().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unreachable()).toHaveLength(1);
    expect(unreachable()[0]).toMatchObject({ inspector: url, reason: expect.stringContaining('ECONNREFUSED') });
    expect(unreachable()[0]?.msg).toBe(`cannot reach the Stately inspector at ${url}; retrying every 5 s (start an inspector there, or drop --inspect)`);
    expect(await health(server.url)).toMatchObject({ status: expect.any(String) });
    expect(await server.stop()).toBe(0);
    expect(unreachable()).toHaveLength(1);
  });

  it('exits 1 with a clear message when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const run = runCli(['--port', String(port), '--store', 'memory:']);
    expect(await run.exited).toBe(1);
    expect(run.output().stdout).toContain(`cannot listen on 127.0.0.1:${port}: port ${port} is in use (server.port / --port)`);
    blocker.close();
  });
});

describe('aicli-api with the embedded SQLite store', () => {
  it('opens the store named by --store, reports it ready, and closes it on shutdown so events can be read back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aicli-cli-store-'));
    const url = `sqlite:${join(dir, 'events.db')}`;
    try {
      const server = await startServerProcess(['--store', url]);
      expect(await health(server.url)).toMatchObject({ checks: { store: { ready: true, critical: true, detail: url } } });
      expect(await server.stop()).toBe(0);

      const store = (await openStore(url))._unsafeUnwrap();
      (await store.append('session-a', [{ type: 'SessionProvisioned', data: { owner: 'ana' } }], { expectedRevision: 'no_stream' }))._unsafeUnwrap();
      await store.close();

      const streams = runCli(['events', 'streams', '--store', url]);
      expect(await streams.exited).toBe(0);
      // Besides what we wrote, the session pool's own actors: its breakers and the pool stream.
      expect(streams.output().stdout).toBe('breaker-agent-spawn@0\nbreaker-anthropic-api@0\npool-main@0\nsession-a@0\n');
      const read = runCli(['events', 'read', 'session-a', '--json', '--store', url]);
      expect(await read.exited).toBe(0);
      expect(JSON.parse(read.output().stdout)).toMatchObject({ stream: 'session-a', revision: '0', type: 'SessionProvisioned', data: { owner: 'ana' } });
      const missing = runCli(['events', 'read', 'session-b', '--store', url]);
      expect(await missing.exited).toBe(1);
      expect(missing.output().stderr).toBe('error: stream session-b not found\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 78 naming store.url and the flag for a URL no adapter accepts, before opening anything', async () => {
    const run = runCli(['--port', '0', '--store', 'bogus://x']);
    expect(await run.exited).toBe(78);
    expect(run.output().stderr).toBe('aicli-api: invalid configuration\n  --store: store.url: unknown scheme "bogus:" (accepted: sqlite:, memory:, esdb://, esdb+discover://)\n');
  });

  it('events commands stop with 78 on an invalid configuration', async () => {
    const run = runCli(['events', 'streams', '--port', 'x']);
    expect(await run.exited).toBe(78);
    expect(run.output().stderr).toBe('aicli-api: invalid configuration\n  --port: server.port: expected an integer from 0 to 65535, got "x"\n');
  });
});

describe('aicli-api configuration errors', () => {
  it('exits 78 and names the flag for a bad --port', async () => {
    const run = runCli(['--port', 'eighty']);
    expect(await run.exited).toBe(78);
    expect(run.output().stderr).toBe('aicli-api: invalid configuration\n  --port: server.port: expected an integer from 0 to 65535, got "eighty"\n');
  });

  it('exits 78 and names the file for a missing config file', async () => {
    const run = runCli(['--config', '/nonexistent/aicli.yaml']);
    expect(await run.exited).toBe(78);
    expect(run.output().stderr).toBe('aicli-api: invalid configuration\n  /nonexistent/aicli.yaml: cannot read config file: no such file\n');
  });

  it('exits 78 naming both variables when AICLI_PORT and AICLI__SERVER__PORT disagree', async () => {
    const run = runCli(['--store', 'memory:'], { AICLI_PORT: '81', AICLI__SERVER__PORT: '80' });
    expect(await run.exited).toBe(78);
    expect(run.output().stderr).toBe(
      'aicli-api: invalid configuration\n  environment variable AICLI_PORT: server.port: 81 disagrees with 80 from environment variable AICLI__SERVER__PORT (give the key one value)\n',
    );
  });

  it('config exits 78 for a store URL that serve would refuse', async () => {
    const run = runCli(['config', '--store', 'foo:bar']);
    expect(await run.exited).toBe(78);
    expect(run.output().stderr).toBe('aicli-api: invalid configuration\n  --store: store.url: unknown scheme "foo:" (accepted: sqlite:, memory:, esdb://, esdb+discover://)\n');
    expect(run.output().stdout).toBe('');
  });

  it('exits 78 naming server.host and the flag when auth is off on a non-loopback address', async () => {
    const run = runCli(['--port', '0', '--store', 'memory:', '--set', 'auth.enabled=false', '--host', '0.0.0.0']);
    expect(await run.exited).toBe(78);
    expect(run.output().stderr).toBe(
      'aicli-api: invalid configuration\n  --host: server.host: "0.0.0.0" is not a loopback address while auth.enabled is false: every caller who can reach it would be an admin (turn auth on, or bind 127.0.0.1)\n',
    );
  });

  it('exits 78 naming the file for a one-character JWT secret, even with API keys configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aicli-cli-'));
    try {
      const file = join(dir, 'weak.yaml');
      writeFileSync(file, `auth:\n  enabled: true\n  jwt:\n    secret: x\n  api_keys:\n    - { id: ci, key_sha256: ${'a'.repeat(64)}, role: user, tenant: t1 }\n`);
      const run = runCli(['--port', '0', '--store', 'memory:', '--config', file]);
      expect(await run.exited).toBe(78);
      expect(run.output().stderr).toBe(`aicli-api: invalid configuration\n  ${file}: auth.jwt.secret: must be at least 32 bytes, got 1 (generate one with "openssl rand -base64 48")\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 for a malformed --set', async () => {
    const run = runCli(['--set', 'session_pool.min_size']);
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toBe('aicli-api: --set session_pool.min_size: expected key=value, e.g. --set session_pool.min_size=5\n');
  });

  it('exits 2 for an unknown flag', async () => {
    const run = runCli(['--prot', '80']);
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toContain("error: unknown option '--prot'");
  });
});

describe('aicli-api help, version and config', () => {
  it('--help documents every flag, the environment variables and the exit codes', async () => {
    const run = runCli(['--help']);
    expect(await run.exited).toBe(0);
    const { stdout } = run.output();
    for (const text of ['--config <file>', '--enable-advanced-features', '--port <port>', '--host <host>', '--log-level <level>', '--store <url>', '--set <key=value>', 'AICLI_CONFIG_FILE', 'AICLI_ADVANCED_FEATURES=true', 'AICLI_PORT', 'AICLI__SECTION__KEY', 'Exit codes']) {
      expect(stdout).toContain(text);
    }
  });

  it('--version prints the package version', async () => {
    const run = runCli(['--version']);
    expect(await run.exited).toBe(0);
    expect(run.output().stdout.trim()).toBe('0.1.0');
  });

  it('config prints the effective configuration with secrets hidden', async () => {
    const run = runCli(['config', `--config=${ADVANCED}`, '--enable-advanced-features', '--set', 'auth.jwt.secret=s3cret-s3cret-s3cret-s3cret-s3cret!', '--port', '9999']);
    expect(await run.exited).toBe(0);
    const { stdout } = run.output();
    expect(stdout).toMatch(/^# profile: advanced\n/);
    expect(stdout).toContain('port: 9999');
    expect(stdout).toContain('min_size: 10');
    expect(stdout).toContain('ping_interval: 30s');
    expect(stdout).toContain('secret: "***"');
    expect(stdout).not.toContain('s3cret');
  });
});
