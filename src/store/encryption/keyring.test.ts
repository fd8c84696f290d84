import { describe, expect, it } from 'vitest';
import { KEY_BYTES, newKeyEntry, parseKeyring } from './keyring.js';

const key = (byte: number): string => Buffer.alloc(KEY_BYTES, byte).toString('base64');

describe('parseKeyring', () => {
  it('reads id:base64 entries, one per line or comma-separated, and makes the last one current', () => {
    const ring = parseKeyring(`# rotated 2026-12, by ops\nk1:${key(1)}\n\nk2:${key(2)}  # current\n`, 'file')._unsafeUnwrap();
    expect([...ring.keys.keys()]).toEqual(['k1', 'k2']);
    expect(ring.current?.id).toBe('k2');
    expect(parseKeyring(`a:${key(1)},b:${key(2)}`, 'env')._unsafeUnwrap().current?.id).toBe('b');
  });

  it('accepts base64url and what newKeyEntry makes', () => {
    expect(parseKeyring(`u:${Buffer.alloc(KEY_BYTES, 255).toString('base64url')}`, 'x').isOk()).toBe(true);
    expect(parseKeyring(newKeyEntry('fresh'), 'x')._unsafeUnwrap().current?.id).toBe('fresh');
  });

  it.each([
    ['', 'holds no key'],
    ['# only a comment', 'holds no key'],
    [`nokey`, 'id:base64key'],
    [`bad id:${key(1)}`, 'id:base64key'],
    [`k:${Buffer.alloc(16).toString('base64')}`, '32 random bytes'],
    [`k:not*base64`, '32 random bytes'],
    [`k:${key(1)}\nk:${key(2)}`, 'appears twice'],
  ])('refuses %j (%s)', (text, reason) => {
    const error = parseKeyring(text, '/etc/aicli/keys')._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'KeyringInvalid', where: '/etc/aicli/keys' });
    expect(error.reason).toContain(reason);
  });
});
