import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatConfigError, loadConfig, type ConfigSources } from './index.js';
import { createTestKeys } from './testing/jwt-key-files.js';

const dir = mkdtempSync(join(tmpdir(), 'aicli-auth-rules-'));
const keys = createTestKeys();
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  keys.remove();
});
let count = 0;
const yamlFile = (text: string): string => {
  const file = join(dir, `config-${count++}.yaml`);
  writeFileSync(file, text);
  return file;
};
const failure = (sources: ConfigSources) => formatConfigError(loadConfig(sources)._unsafeUnwrapErr());
const loads = (sources: ConfigSources) => loadConfig(sources).isOk();
const API_KEYS = `  api_keys:\n    - { id: ci, key_sha256: ${createHash('sha256').update('k').digest('hex')}, role: user, tenant: t1 }\n`;

describe('auth rules', () => {
  it('refuses a short JWT secret even when API keys are configured (regression)', () => {
    const file = yamlFile(`auth:\n  enabled: true\n  jwt:\n    secret: x\n${API_KEYS}`);
    expect(failure({ file })).toBe(`${file}: auth.jwt.secret: must be at least 32 bytes, got 1 (generate one with "openssl rand -base64 48")`);
  });

  it('refuses a short JWT secret with auth off too, and names the variable that set it', () => {
    expect(failure({ env: { AICLI__AUTH__JWT__SECRET: 'short' } })).toBe(
      'environment variable AICLI__AUTH__JWT__SECRET: auth.jwt.secret: must be at least 32 bytes, got 5 (generate one with "openssl rand -base64 48")',
    );
  });

  it('auth is on by default; with no credential configured it loads (the server generates them at start)', () => {
    expect(loadConfig({})._unsafeUnwrap().config.auth.enabled).toBe(true);
    expect(loads({ file: yamlFile('auth:\n  enabled: true\n') })).toBe(true);
    expect(loads({ file: yamlFile('auth:\n  enabled: true\n  jwt:\n    algorithm: RS256\n') })).toBe(true);
    expect(loads({ file: yamlFile(`auth:\n  enabled: true\n${API_KEYS}`) })).toBe(true);
    expect(loads({ file: yamlFile(`auth:\n  enabled: true\n  jwt:\n    algorithm: RS256\n    public_key_file: ${keys.rs256.pemFile}\n`) })).toBe(true);
    expect(loads({ file: yamlFile(`auth:\n  enabled: true\n  jwt:\n    algorithm: ES256\n    jwks_file: ${keys.es256.jwksFile}\n`) })).toBe(true);
  });

  it('reports an unusable key file on its key, in the file that named it', () => {
    const file = yamlFile('auth:\n  enabled: true\n  jwt:\n    algorithm: ES256\n    public_key_file: /nonexistent/es.pem\n');
    expect(failure({ file })).toBe(`${file}: auth.jwt.public_key_file: cannot read file "/nonexistent/es.pem" (ENOENT)`);
  });

  it('max_lifetime is a duration from 1s to 30 days', () => {
    expect(loadConfig({})._unsafeUnwrap().config.auth.jwt.max_lifetime).toBe(3_600_000);
    const file = yamlFile('auth:\n  jwt:\n    max_lifetime: 0s\n');
    expect(failure({ file })).toBe(`${file}: auth.jwt.max_lifetime: expected a value from 1s to 30d, got "0s"`);
  });

  it('refuses auth off on a non-loopback address, naming server.host and where it was set', () => {
    const file = yamlFile('server:\n  host: 0.0.0.0\nauth:\n  enabled: false\n');
    const message = '"0.0.0.0" is not a loopback address while auth.enabled is false: every caller who can reach it would be an admin (turn auth on, or bind 127.0.0.1)';
    expect(failure({ file })).toBe(`${file}: server.host: ${message}`);
    const off = [{ path: ['auth', 'enabled'], value: false, label: '--set auth.enabled=false' }];
    expect(failure({ overrides: [...off, { path: ['server', 'host'], value: '::', label: '--host' }] })).toContain('--host: server.host: "::" is not a loopback address');
    expect(failure({ overrides: off, env: { AICLI_HOST: '192.168.1.10' } })).toContain('environment variable AICLI_HOST: server.host:');
  });

  it('allows auth off on loopback, and auth on anywhere (the default included)', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(loads({ env: { AICLI_HOST: host, AICLI__AUTH__ENABLED: 'false' } }), host).toBe(true);
    expect(loads({ env: { AICLI_HOST: '0.0.0.0' } })).toBe(true);
    expect(loads({ file: yamlFile(`server:\n  host: 0.0.0.0\nauth:\n  enabled: true\n${API_KEYS}`) })).toBe(true);
  });
});
