import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../config/index.js';
import { sha256Hex } from './api-key-material.js';
import { ensureGeneratedCredentials, GENERATED_CREDENTIALS as FILES, needsGeneratedCredentials, withGeneratedCredentials } from './generated-credentials.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const dataDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'aicli-creds-'));
  dirs.push(dir);
  return join(dir, 'agents');
};
const auth = (overrides: Partial<Config['auth']> = {}, jwt: Partial<Config['auth']['jwt']> = {}): Config['auth'] => ({
  enabled: true,
  jwt: { algorithm: 'HS256', secret: '', public_key_file: '', jwks_file: '', issuer: '', audience: '', max_lifetime: 3_600_000, ...jwt },
  api_keys: [],
  ...overrides,
});
const mode = (path: string): number => statSync(path).mode & 0o777;

describe('generated credentials', () => {
  it('are needed only with auth on and no credential configured', () => {
    expect(needsGeneratedCredentials(auth())).toBe(true);
    expect(needsGeneratedCredentials(auth({ enabled: false }))).toBe(false);
    expect(needsGeneratedCredentials(auth({}, { secret: 'x'.repeat(32) }))).toBe(false);
    expect(needsGeneratedCredentials(auth({}, { algorithm: 'RS256', public_key_file: '/k.pem' }))).toBe(false);
    expect(needsGeneratedCredentials(auth({ api_keys: [{ id: 'ci', key_sha256: 'a'.repeat(64), role: 'user', tenant: 't' }] }))).toBe(false);
  });

  it('first start: a secret and an admin key, files 0600 in a 0700 directory, the key returned once and stored as its SHA-256', () => {
    const data = dataDir();
    const first = ensureGeneratedCredentials(data, auth())._unsafeUnwrap();
    const dir = join(data, FILES.dir);
    expect(first.dir).toBe(dir);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, FILES.jwtSecret))).toBe(0o600);
    expect(mode(join(dir, FILES.adminKey))).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual([FILES.adminKey, FILES.jwtSecret]);
    expect(Buffer.byteLength(first.jwtSecret!)).toBeGreaterThanOrEqual(32);
    expect(first.newAdminKey).toMatch(/^aik_/);
    expect(first.adminKeySha256).toBe(sha256Hex(first.newAdminKey!));
    const stored = readFileSync(join(dir, FILES.adminKey), 'utf8');
    expect(stored).not.toContain(first.newAdminKey!);
    expect(JSON.parse(stored)).toMatchObject({ id: 'admin', key_sha256: first.adminKeySha256, role: 'admin', tenant: 'default' });
    expect(first.warnings).toEqual([]);

    const again = ensureGeneratedCredentials(data, auth())._unsafeUnwrap();
    expect(again).toEqual({ ...first, newAdminKey: null });
    expect(withGeneratedCredentials(auth(), again)).toMatchObject({
      jwt: { secret: first.jwtSecret },
      api_keys: [{ id: 'admin', key_sha256: first.adminKeySha256, role: 'admin', tenant: 'default' }],
    });
  });

  it('with RS256 generates only the admin key; warns about loose modes; refuses a corrupt file rather than replace it', () => {
    const data = dataDir();
    const rs = ensureGeneratedCredentials(data, auth({}, { algorithm: 'RS256' }))._unsafeUnwrap();
    expect(rs.jwtSecret).toBeNull();
    expect(readdirSync(join(data, FILES.dir))).toEqual([FILES.adminKey]);
    expect(withGeneratedCredentials(auth({}, { algorithm: 'RS256' }), rs).jwt.secret).toBe('');

    const adminFile = join(data, FILES.dir, FILES.adminKey);
    chmodSync(adminFile, 0o644);
    expect(ensureGeneratedCredentials(data, auth({}, { algorithm: 'RS256' }))._unsafeUnwrap().warnings).toEqual([`${adminFile} is readable by other users; chmod 600 it`]);
    writeFileSync(adminFile, 'not json');
    expect(ensureGeneratedCredentials(data, auth({}, { algorithm: 'RS256' }))._unsafeUnwrapErr()).toEqual({ kind: 'GeneratedCredentialsUnusable', path: adminFile, reason: 'is not JSON' });
  });
});
