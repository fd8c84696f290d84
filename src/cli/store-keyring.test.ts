import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config, type ConfigOverride } from '../config/index.js';
import { newKeyEntry } from '../store/index.js';
import { GENERATED_KEYRING, loadStoreKeyring } from './store-keyring.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function setup(overrides: Record<string, string | boolean> = {}): { config: Config; root: string; generated: string } {
  const root = mkdtempSync(join(tmpdir(), 'aicli-keyring-'));
  roots.push(root);
  const all = { 'agent.data_dir': join(root, 'data'), ...overrides };
  const list: ConfigOverride[] = Object.entries(all).map(([key, value]) => ({ path: key.split('.'), value, label: key }));
  return { config: loadConfig({ overrides: list })._unsafeUnwrap().config, root, generated: join(root, 'data', GENERATED_KEYRING.dir, GENERATED_KEYRING.file) };
}

describe('loadStoreKeyring', () => {
  it('generates a 0600 key file in a 0700 directory on first start, and reuses it', () => {
    const { config, generated } = setup();
    const first = loadStoreKeyring(config, {}, { generate: true })._unsafeUnwrap();
    expect(first).toMatchObject({ source: generated, generated: true, warnings: [] });
    expect(first.keyring.current?.id).toMatch(/^k-[0-9a-f]{8}$/);
    expect(statSync(generated).mode & 0o777).toBe(0o600);
    expect(statSync(join(generated, '..')).mode & 0o777).toBe(0o700);
    const again = loadStoreKeyring(config, {}, { generate: true })._unsafeUnwrap();
    expect(again.generated).toBe(false);
    expect(again.keyring.current?.id).toBe(first.keyring.current?.id);
    expect(again.keyring.current?.key.export()).toEqual(first.keyring.current?.key.export());
  });

  it('operator commands never generate: no file means no key (encrypted events read as unreadable)', () => {
    const { config } = setup();
    const loaded = loadStoreKeyring(config, {}, { generate: false })._unsafeUnwrap();
    expect(loaded).toMatchObject({ source: 'none', generated: false });
    expect(loaded.keyring.current).toBeNull();
  });

  it('the environment variable wins over the files', () => {
    const { config } = setup({ 'security.encryption.key_file': '/nonexistent/keys' });
    const loaded = loadStoreKeyring(config, { AICLI_ENCRYPTION_KEYS: `${newKeyEntry('a')},${newKeyEntry('b')}` }, { generate: true })._unsafeUnwrap();
    expect(loaded.source).toBe('environment variable AICLI_ENCRYPTION_KEYS');
    expect(loaded.keyring.current?.id).toBe('b');
  });

  it('a configured file must exist (a new key could not open the old events) and be valid', () => {
    const { config, root } = setup({ 'security.encryption.key_file': 'missing.keys' });
    expect(loadStoreKeyring(config, {}, { generate: true })._unsafeUnwrapErr()).toMatchObject({ kind: 'KeyringInvalid', reason: 'does not exist' });
    const path = join(root, 'bad.keys');
    writeFileSync(path, 'k1:short\n');
    const bad = setup({ 'security.encryption.key_file': path }).config;
    expect(loadStoreKeyring(bad, {}, { generate: true })._unsafeUnwrapErr()).toMatchObject({ where: path, reason: expect.stringContaining('32 random bytes') });
  });

  it('warns about a key file others can read', () => {
    const { config, root } = setup();
    const path = join(root, 'open.keys');
    writeFileSync(path, `${newKeyEntry('k9')}\n`);
    chmodSync(path, 0o644);
    const loaded = loadStoreKeyring({ ...config, security: { ...config.security, encryption: { ...config.security.encryption, key_file: path } } }, {}, { generate: true })._unsafeUnwrap();
    expect(loaded.warnings).toEqual([`${path} is readable by other users; chmod 600 it`]);
  });

  it('disabled: the keys found still open old events, none seals new ones; nothing is generated', () => {
    const { config, generated } = setup();
    loadStoreKeyring(config, {}, { generate: true })._unsafeUnwrap();
    const off = { ...config, security: { ...config.security, encryption: { ...config.security.encryption, enabled: false } } };
    const loaded = loadStoreKeyring(off, {}, { generate: true })._unsafeUnwrap();
    expect(loaded.keyring.current).toBeNull();
    const [id] = [...loaded.keyring.keys.keys()];
    expect(readFileSync(generated, 'utf8')).toContain(`${id}:`);
    const fresh = setup({ 'security.encryption.enabled': false });
    expect(loadStoreKeyring(fresh.config, {}, { generate: true })._unsafeUnwrap().source).toBe('none');
  });
});
