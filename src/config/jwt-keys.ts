/**
 * The key material that verifies JWTs, read from `auth.jwt` and checked: the HS256 secret, or for RS256/ES256 a PEM
 * public key or a JSON Web Key Set file. Config validation reports the problems (so a weak or unusable key stops
 * the server with exit 78); the server's verifier is built from what it returns.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { err, ok, type Result } from 'neverthrow';
import { MIN_JWT_SECRET_BYTES, type ConfigValues, type JWT_ALGORITHMS } from './schema.js';
import type { SchemaIssue } from './validate.js';

type JwtSettings = ConfigValues['auth']['jwt'];
type PublicKeyAlgorithm = Exclude<(typeof JWT_ALGORITHMS)[number], 'HS256'>;

/** What verifies a JWT; `none` when no key is configured (then no JWT is accepted). */
export type JwtKeyMaterial =
  | { readonly kind: 'none' }
  | { readonly kind: 'secret'; readonly algorithm: 'HS256'; readonly secret: Uint8Array }
  | { readonly kind: 'public_key'; readonly algorithm: PublicKeyAlgorithm; readonly pem: string }
  | { readonly kind: 'jwks'; readonly algorithm: PublicKeyAlgorithm; readonly keys: readonly JsonWebKey[] };

const PATH = {
  secret: ['auth', 'jwt', 'secret'],
  publicKeyFile: ['auth', 'jwt', 'public_key_file'],
  jwksFile: ['auth', 'jwt', 'jwks_file'],
} as const;

/** What each public-key algorithm needs of a key. */
const KEY_NEEDS: Record<PublicKeyAlgorithm, { readonly describe: string; readonly fits: (key: KeyObject) => boolean }> = {
  RS256: { describe: 'an RSA key of at least 2048 bits', fits: (key) => key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048 },
  ES256: { describe: 'an EC key on the P-256 curve', fits: (key) => key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' },
};

/** Reads and checks the JWT key of `jwt`; every problem is reported at once, on the key that causes it. */
export function readJwtKeyMaterial(jwt: JwtSettings): Result<JwtKeyMaterial, SchemaIssue[]> {
  const { algorithm } = jwt;
  if (algorithm === 'HS256') {
    const issues: SchemaIssue[] = [];
    for (const [key, path] of [['public_key_file', PATH.publicKeyFile], ['jwks_file', PATH.jwksFile]] as const) {
      if (jwt[key] !== '') issues.push({ path, message: 'is only used with RS256 or ES256 (auth.jwt.algorithm is HS256)' });
    }
    const bytes = Buffer.byteLength(jwt.secret, 'utf8');
    if (jwt.secret !== '' && bytes < MIN_JWT_SECRET_BYTES) {
      issues.push({ path: PATH.secret, message: `must be at least ${MIN_JWT_SECRET_BYTES} bytes, got ${bytes} (generate one with "openssl rand -base64 48")` });
    }
    if (issues.length > 0) return err(issues);
    return ok(jwt.secret === '' ? { kind: 'none' } : { kind: 'secret', algorithm, secret: new TextEncoder().encode(jwt.secret) });
  }

  if (jwt.secret !== '') {
    // A shared secret next to a public key is how key-confusion attacks start: refuse the mix outright.
    return err([{ path: PATH.secret, message: `is only used with HS256 (auth.jwt.algorithm is ${algorithm}); remove it` }]);
  }
  if (jwt.public_key_file !== '' && jwt.jwks_file !== '') return err([{ path: PATH.jwksFile, message: 'give either public_key_file or jwks_file, not both' }]);
  if (jwt.public_key_file !== '') return readPublicKey(jwt.public_key_file, algorithm).mapErr((message) => [{ path: PATH.publicKeyFile, message }]);
  if (jwt.jwks_file !== '') return readJwks(jwt.jwks_file, algorithm).mapErr((message) => [{ path: PATH.jwksFile, message }]);
  return ok({ kind: 'none' });
}

function readText(file: string): Result<string, string> {
  try {
    return ok(readFileSync(file, 'utf8'));
  } catch (error) {
    return err(`cannot read file "${file}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function readPublicKey(file: string, algorithm: PublicKeyAlgorithm): Result<JwtKeyMaterial, string> {
  return readText(file).andThen((pem) => {
    if (!pem.includes('-----BEGIN PUBLIC KEY-----')) return err(`"${file}" holds no PEM public key ("-----BEGIN PUBLIC KEY-----"; "openssl pkey -pubout" exports one)`);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: pem, format: 'pem' });
    } catch (error) {
      return err(`"${file}" is not a valid public key (${(error as Error).message})`);
    }
    if (!KEY_NEEDS[algorithm].fits(key)) return err(`"${file}" does not hold ${KEY_NEEDS[algorithm].describe}, which ${algorithm} needs`);
    return ok({ kind: 'public_key' as const, algorithm, pem });
  });
}

function readJwks(file: string, algorithm: PublicKeyAlgorithm): Result<JwtKeyMaterial, string> {
  return readText(file).andThen((text) => {
    let set: unknown;
    try {
      set = JSON.parse(text);
    } catch (error) {
      return err(`"${file}" is not valid JSON (${(error as Error).message})`);
    }
    const keys = (set as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'object' && key !== null)) return err(`"${file}" is not a JSON Web Key Set ({"keys": [...]})`);
    const jwks = keys as JsonWebKey[];
    const secretAt = jwks.findIndex((key) => key.d !== undefined || key.kty === 'oct');
    if (secretAt >= 0) return err(`"${file}" holds private or symmetric key material (keys[${secretAt}]); publish public keys only`);
    const usable = jwks.filter((key) => (key.alg === undefined || key.alg === algorithm) && (key.use === undefined || key.use === 'sig') && fitsJwk(key, algorithm));
    if (usable.length === 0) return err(`"${file}" has no signing key for ${algorithm} (${KEY_NEEDS[algorithm].describe}, "alg" absent or ${algorithm})`);
    return ok({ kind: 'jwks' as const, algorithm, keys: usable });
  });
}

function fitsJwk(jwk: JsonWebKey, algorithm: PublicKeyAlgorithm): boolean {
  try {
    return KEY_NEEDS[algorithm].fits(createPublicKey({ key: jwk, format: 'jwk' }));
  } catch {
    return false;
  }
}
