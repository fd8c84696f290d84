import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STORE_URL_SCHEMES } from './constants.js';
import { formatStoreError } from './errors.js';
import { openStore, parseSqliteUrl } from './open.js';

const dir = mkdtempSync(join(tmpdir(), 'aicli-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openStore', () => {
  it('opens memory: and sqlite::memory:', async () => {
    for (const url of ['memory:', 'sqlite::memory:', '  memory:  ']) {
      const store = (await openStore(url))._unsafeUnwrap();
      expect((await store.ping()).isOk()).toBe(true);
      await store.close();
    }
  });

  it('resolves a relative sqlite path against cwd and creates the directory', async () => {
    const store = (await openStore('sqlite:./data/nested/events.db', { cwd: dir }))._unsafeUnwrap();
    expect(existsSync(join(dir, 'data/nested/events.db'))).toBe(true);
    await store.close();
  });

  it('accepts absolute paths in both spellings, and a durability parameter', () => {
    expect(parseSqliteUrl('sqlite:/var/lib/aicli/events.db')._unsafeUnwrap()).toEqual({ path: '/var/lib/aicli/events.db', durability: 'full' });
    expect(parseSqliteUrl('sqlite:///var/lib/aicli/events.db?durability=normal')._unsafeUnwrap()).toEqual({
      path: '/var/lib/aicli/events.db',
      durability: 'normal',
    });
    expect(parseSqliteUrl('sqlite:events.db', { cwd: '/srv', durability: 'normal' })._unsafeUnwrap()).toEqual({ path: '/srv/events.db', durability: 'normal' });
  });

  it('rejects bad URLs with InvalidStoreUrl naming the URL and the accepted schemes', async () => {
    const cases: [string, RegExp][] = [
      ['postgres://localhost/db', /unknown scheme "postgres:"/],
      ['events.db', /no scheme/],
      ['sqlite:', /no file path/],
      ['sqlite:x.db?durability=sometimes', /durability must be "full" or "normal"/],
      ['sqlite:x.db?cache=1', /unknown parameter "cache"/],
      ['kurrentdb://localhost:2113', /esdb:\/\//],
      ['esdb://localhost:notaport', /port/],
    ];
    for (const [url, reason] of cases) {
      const result = await openStore(url);
      if (result.isOk()) expect.fail(`${url} should be rejected`);
      expect(result.error).toMatchObject({ kind: 'InvalidStoreUrl', url, accepted: STORE_URL_SCHEMES });
      expect(formatStoreError(result.error)).toMatch(reason);
      expect(formatStoreError(result.error)).toContain('esdb+discover://');
    }
  });

  it('creates an EventStoreDB store lazily (no connection until used)', async () => {
    const store = (await openStore('esdb://localhost:2113?tls=false'))._unsafeUnwrap();
    await store.close();
  });
});
