/**
 * Verifying a bearer JWT: the signature with the one configured algorithm (HS256 with the secret, RS256/ES256 with a
 * PEM public key or a local JWKS; `alg: none` and every other algorithm are refused, so an HS256 token signed with
 * the public key cannot pass), `exp` required and no longer away than `auth.jwt.max_lifetime`, and `iss`/`aud`
 * when configured. Mapping the claims to an identity is the authenticator's job.
 */
import { createLocalJWKSet, importSPKI, jwtVerify, type JWK, type JWTPayload, type JWTVerifyGetKey, type KeyInput } from 'jose';
import { err, ok, type Result } from 'neverthrow';
import { formatDuration, type Config, type JwtKeyMaterial } from '../../config/index.js';

/** The payload of a token that passed every check, or the reason it is refused (said to the client). */
export type JwtVerifier = (token: string) => Promise<Result<JWTPayload, string>>;

type JwtSettings = Config['auth']['jwt'];

/** jose's error codes that have their own answer (codes, not classes: they survive duplicate copies of jose). */
const JOSE_CODES = {
  expired: 'ERR_JWT_EXPIRED',
  claim: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
  algorithm: 'ERR_JOSE_ALG_NOT_ALLOWED',
  noKey: 'ERR_JWKS_NO_MATCHING_KEY',
} as const;

/** Builds the verifier for `jwt` with its checked key `material` (an SPKI key is imported here, once). */
export async function createJwtVerifier(jwt: JwtSettings, material: JwtKeyMaterial, now: () => number = Date.now): Promise<JwtVerifier> {
  if (material.kind === 'none') return () => Promise.resolve(err('JWTs are not accepted by this server (no auth.jwt key is configured)'));
  const key = await verificationKey(material);
  const { algorithm } = material;
  const maxLifetimeSeconds = jwt.max_lifetime / 1000;
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [algorithm],
        requiredClaims: ['exp'],
        currentDate: new Date(now()),
        ...(jwt.issuer === '' ? {} : { issuer: jwt.issuer }),
        ...(jwt.audience === '' ? {} : { audience: jwt.audience }),
      });
      // exp is required above. A token is judged by the longer of its stated lifetime and what is left of it.
      const nowSeconds = now() / 1000;
      const start = Math.min(payload.iat ?? nowSeconds, nowSeconds);
      if (payload.exp! - start > maxLifetimeSeconds) return err(`the token is valid for longer than this server accepts (at most ${formatDuration(jwt.max_lifetime)})`);
      return ok(payload);
    } catch (error) {
      return err(refusalReason(error, algorithm));
    }
  };
}

function verificationKey(material: Exclude<JwtKeyMaterial, { kind: 'none' }>): Promise<KeyInput | JWTVerifyGetKey> {
  switch (material.kind) {
    case 'secret':
      return Promise.resolve(material.secret);
    case 'public_key':
      return importSPKI(material.pem, material.algorithm);
    case 'jwks':
      return Promise.resolve(createLocalJWKSet({ keys: material.keys as JWK[] }));
  }
}

function refusalReason(error: unknown, algorithm: string): string {
  const { code, claim, reason } = (error ?? {}) as { code?: string; claim?: string; reason?: string };
  switch (code) {
    case JOSE_CODES.expired:
      return 'the token has expired';
    case JOSE_CODES.claim:
      return reason === 'missing' ? `the token has no "${claim}" claim${claim === 'exp' ? ' (tokens must expire)' : ''}` : `the token's claims are not accepted (${claim})`;
    case JOSE_CODES.algorithm:
      return `the token is not signed with ${algorithm}, the one algorithm this server accepts`;
    case JOSE_CODES.noKey:
      return 'no key of the server\'s key set matches the token';
    default:
      return 'the token is not valid';
  }
}
