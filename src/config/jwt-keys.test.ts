import { generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { readJwtKeyMaterial } from './jwt-keys.js';
import type { ConfigValues } from './schema.js';
import { createTestKeys } from './testing/jwt-key-files.js';

const keys = createTestKeys();
afterAll(() => keys.remove());

type Jwt = ConfigValues['auth']['jwt'];
const jwt = (overrides: Partial<Jwt>): Jwt => ({ algorithm: 'HS256', secret: '', public_key_file: '', jwks_file: '', issuer: '', audience: '', max_lifetime: 3_600_000, ...overrides });
const problems = (overrides: Partial<Jwt>) => readJwtKeyMaterial(jwt(overrides))._unsafeUnwrapErr().map(({ path, message }) => `${path.join('.')}: ${message}`);

describe('readJwtKeyMaterial', () => {
  it('reads no key, a secret of 32 bytes or more, a PEM public key and a JWKS file', () => {
    expect(readJwtKeyMaterial(jwt({}))._unsafeUnwrap()).toEqual({ kind: 'none' });
    expect(readJwtKeyMaterial(jwt({ secret: 'x'.repeat(32) }))._unsafeUnwrap()).toMatchObject({ kind: 'secret', algorithm: 'HS256' });
    expect(readJwtKeyMaterial(jwt({ algorithm: 'RS256', public_key_file: keys.rs256.pemFile }))._unsafeUnwrap()).toMatchObject({ kind: 'public_key', algorithm: 'RS256' });
    expect(readJwtKeyMaterial(jwt({ algorithm: 'ES256', public_key_file: keys.es256.pemFile }))._unsafeUnwrap()).toMatchObject({ kind: 'public_key', algorithm: 'ES256' });
    expect(readJwtKeyMaterial(jwt({ algorithm: 'ES256', jwks_file: keys.es256.jwksFile }))._unsafeUnwrap()).toMatchObject({ kind: 'jwks', keys: [{ kid: keys.es256.kid }] });
  });

  it('refuses a secret shorter than 32 bytes, counting bytes, not characters', () => {
    expect(problems({ secret: 'x' })).toEqual(['auth.jwt.secret: must be at least 32 bytes, got 1 (generate one with "openssl rand -base64 48")']);
    expect(readJwtKeyMaterial(jwt({ secret: 'é'.repeat(16) })).isOk()).toBe(true);
    expect(problems({ secret: 'x'.repeat(31) })[0]).toContain('got 31');
  });

  it('refuses key material of the other kind of algorithm, and two key files at once', () => {
    expect(problems({ public_key_file: keys.rs256.pemFile, jwks_file: keys.rs256.jwksFile })).toEqual([
      'auth.jwt.public_key_file: is only used with RS256 or ES256 (auth.jwt.algorithm is HS256)',
      'auth.jwt.jwks_file: is only used with RS256 or ES256 (auth.jwt.algorithm is HS256)',
    ]);
    expect(problems({ algorithm: 'RS256', secret: 'x'.repeat(40), public_key_file: keys.rs256.pemFile })).toEqual(['auth.jwt.secret: is only used with HS256 (auth.jwt.algorithm is RS256); remove it']);
    expect(problems({ algorithm: 'RS256', public_key_file: keys.rs256.pemFile, jwks_file: keys.rs256.jwksFile })).toEqual(['auth.jwt.jwks_file: give either public_key_file or jwks_file, not both']);
  });

  it('refuses unreadable, malformed or mismatched public keys', () => {
    expect(problems({ algorithm: 'RS256', public_key_file: '/nonexistent/key.pem' })).toEqual(['auth.jwt.public_key_file: cannot read file "/nonexistent/key.pem" (ENOENT)']);
    const privatePem = keys.write('private.pem', keys.rs256.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    expect(problems({ algorithm: 'RS256', public_key_file: privatePem })[0]).toContain('holds no PEM public key');
    const garbage = keys.write('garbage.pem', '-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n');
    expect(problems({ algorithm: 'RS256', public_key_file: garbage })[0]).toContain('is not a valid public key');
    expect(problems({ algorithm: 'RS256', public_key_file: keys.es256.pemFile })).toEqual([`auth.jwt.public_key_file: "${keys.es256.pemFile}" does not hold an RSA key of at least 2048 bits, which RS256 needs`]);
    expect(problems({ algorithm: 'ES256', public_key_file: keys.rs256.pemFile })[0]).toContain('does not hold an EC key on the P-256 curve');
    const weak = keys.write('rsa1024.pem', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string);
    expect(problems({ algorithm: 'RS256', public_key_file: weak })[0]).toContain('does not hold an RSA key of at least 2048 bits');
  });

  it('refuses a JWKS file that is not JSON, not a key set, holds private or symmetric keys, or has no key for the algorithm', () => {
    const file = (name: string, text: string) => keys.write(name, text);
    expect(problems({ algorithm: 'RS256', jwks_file: file('a.json', '{') })[0]).toContain('is not valid JSON');
    expect(problems({ algorithm: 'RS256', jwks_file: file('b.json', '{"keys": {}}') })[0]).toContain('is not a JSON Web Key Set');
    const privateJwk = keys.rs256.privateKey.export({ format: 'jwk' });
    expect(problems({ algorithm: 'RS256', jwks_file: file('c.json', JSON.stringify({ keys: [privateJwk] })) })[0]).toContain('holds private or symmetric key material (keys[0])');
    expect(problems({ algorithm: 'RS256', jwks_file: file('d.json', JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] })) })[0]).toContain('holds private or symmetric key material');
    expect(problems({ algorithm: 'RS256', jwks_file: keys.es256.jwksFile })[0]).toContain('has no signing key for RS256');
    const wrongAlg = file('e.json', JSON.stringify({ keys: [{ ...keys.rs256.publicKey.export({ format: 'jwk' }), alg: 'RS512' }] }));
    expect(problems({ algorithm: 'RS256', jwks_file: wrongAlg })[0]).toContain('has no signing key for RS256');
  });
});
