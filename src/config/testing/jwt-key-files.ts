/**
 * Test key pairs for JWTs: an RS256 and an ES256 pair with their public keys written as PEM and JWKS files in a
 * temporary directory, and a signer for tokens with any header and claims (including unsigned `alg: none` ones).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, type JWTPayload } from 'jose';

/** A key pair and where its public key was written. */
export interface TestKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** PEM (SPKI) file of the public key. */
  readonly pemFile: string;
  /** JWKS file holding the public key with `kid`. */
  readonly jwksFile: string;
  readonly kid: string;
}

/** The key files of one test run; `remove()` deletes them. */
export interface TestKeys {
  readonly rs256: TestKeyPair;
  readonly es256: TestKeyPair;
  readonly dir: string;
  /** Writes `text` to a file in the keys' directory and returns its path. */
  write(name: string, text: string): string;
  remove(): void;
}

/** Generates the RS256 and ES256 pairs and writes their public keys. */
export function createTestKeys(): TestKeys {
  const dir = mkdtempSync(join(tmpdir(), 'aicli-jwt-'));
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const pair = (name: string, keys: { privateKey: KeyObject; publicKey: KeyObject }): TestKeyPair => {
    const kid = `${name}-1`;
    return {
      ...keys,
      kid,
      pemFile: write(`${name}.pem`, keys.publicKey.export({ type: 'spki', format: 'pem' }) as string),
      jwksFile: write(`${name}.jwks.json`, JSON.stringify({ keys: [{ ...keys.publicKey.export({ format: 'jwk' }), kid, use: 'sig' }] })),
    };
  };
  return {
    rs256: pair('rs256', generateKeyPairSync('rsa', { modulusLength: 2048 })),
    es256: pair('es256', generateKeyPairSync('ec', { namedCurve: 'P-256' })),
    dir,
    write,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** How to sign a test token; `expiresIn: null` leaves `exp` out. */
export interface TestTokenOptions {
  readonly alg: string;
  readonly key: KeyObject | Uint8Array;
  readonly kid?: string;
  readonly expiresIn?: string | null;
  readonly issuedAt?: number;
  readonly issuer?: string;
  readonly audience?: string;
}

/** Signs `claims` as a compact JWT. */
export function signTestToken(claims: JWTPayload, options: TestTokenOptions): Promise<string> {
  const token = new SignJWT(claims).setProtectedHeader({ alg: options.alg, ...(options.kid === undefined ? {} : { kid: options.kid }) });
  if (options.expiresIn !== null) token.setExpirationTime(options.expiresIn ?? '10m');
  if (options.issuedAt !== undefined) token.setIssuedAt(options.issuedAt);
  if (options.issuer !== undefined) token.setIssuer(options.issuer);
  if (options.audience !== undefined) token.setAudience(options.audience);
  return token.sign(options.key);
}

/** An unsigned token (`alg: none`, empty signature) with `claims` and an hour to live. */
export function unsignedTestToken(claims: JWTPayload): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims })}.`;
}

/** `token` with one character of its payload changed (the signature no longer matches). */
export function tamperedTestToken(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${signature}`;
}
