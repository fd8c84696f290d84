/**
 * Establishing an {@link Identity} from a request or a WebSocket `hello` token:
 * - `auth.enabled: false` (the embedded default): no credentials; the caller names itself with the `x-user-id`
 *   and `x-tenant-id` headers (defaults `anonymous` and `default`) and is an admin. For a single trusted user or
 *   development only; docs/security.md says so.
 * - `auth.enabled: true`: an API key (`x-api-key`, matched by SHA-256 against `auth.api_keys`, compared in constant
 *   time, or against the keys created at run time, `storedKeys`; a revoked one is refused) or a JWT (`authorization: Bearer …`, checked by {@link JwtVerifier}; claims `sub` = user, `tenant`
 *   (default `default`), `role` (default `user`)). Anything else is `unauthorized`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { apiKeyBySha256, type ApiKeyRecord, type ApiKeysState } from '../../../projections/index.js';
import { err, ok, type Result } from 'neverthrow';
import { isSafeSegment } from '../../../machines/index.js';
import { formatKeyPath, readJwtKeyMaterial, type Config } from '../../config/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from '../errors.js';
import { isServerRole, isUserId, type Identity } from './identity.js';
import { createJwtVerifier, type JwtVerifier } from './jwt-verifier.js';

/** Request headers the authenticator reads (lower-case names). */
export const AUTH_HEADER = { authorization: 'authorization', apiKey: 'x-api-key', userId: 'x-user-id', tenant: 'x-tenant-id' } as const;

/** The default user and tenant of an open (auth disabled) server. */
export const OPEN_IDENTITY = { userId: 'anonymous', tenant: 'default' } as const;

/** Authenticates requests and WebSocket tokens. */
export interface Authenticator {
  /** Whether credentials are required. */
  readonly enabled: boolean;
  /** The identity of a request with these (lower-case) headers; `origin` says where it came from (for the audit log). */
  fromHeaders(headers: Readonly<Record<string, string>>, origin?: AuthOrigin): Promise<Result<Identity, ApiError>>;
  /** The identity behind a token sent in a WebSocket `hello` (an API key or a JWT); `name` for open servers. */
  fromToken(token: string | undefined, open?: { readonly userId?: string; readonly tenant?: string }, origin?: AuthOrigin): Promise<Result<Identity, ApiError>>;
  /** Told when an authenticated caller is refused for lacking a permission (the audit log records it). */
  denied?(identity: Identity, error: ApiError, origin?: AuthOrigin): void;
}

/** Where credentials came from: a request's id and the connection's peer address (a REST request context fits). */
export interface AuthOrigin {
  readonly requestId?: string;
  readonly remoteAddress?: string;
  readonly method?: string;
  readonly path?: string;
}

const unauthorized = (message: string): ApiError => apiError(API_ERROR_CODES.unauthorized, message);

/** Why an authenticator could not be built: the JWT key named in the configuration cannot be used. */
export interface AuthSetupError {
  readonly kind: 'JwtKeyUnusable';
  /** `auth.jwt.<key>: problem` lines. */
  readonly problems: readonly string[];
}

/** Finds a key created at run time by its lower-case hex SHA-256 (the api-keys projection's current table). */
export type StoredKeyLookup = (sha256: string) => ApiKeyRecord | undefined;

/** The lookup over the current state of the api-keys projection, as `read` returns it. */
export function storedKeyLookup(read: () => ApiKeysState): StoredKeyLookup {
  return (sha256) => apiKeyBySha256(read(), sha256);
}

/**
 * Reads the JWT key of `auth` (files included) and builds the authenticator; `storedKeys` finds the keys created at
 * run time. Config validation has checked the same key, so an error here means a key file changed or vanished since.
 */
export async function openAuthenticator(auth: Config['auth'], storedKeys?: StoredKeyLookup): Promise<Result<Authenticator, AuthSetupError>> {
  const material = readJwtKeyMaterial(auth.jwt);
  if (material.isErr()) return err({ kind: 'JwtKeyUnusable', problems: material.error.map((issue) => `${formatKeyPath(issue.path)}: ${issue.message}`) });
  try {
    return ok(createAuthenticator(auth, await createJwtVerifier(auth.jwt, material.value), storedKeys));
  } catch (error) {
    return err({ kind: 'JwtKeyUnusable', problems: [`auth.jwt: the key cannot be imported (${(error as Error).message})`] });
  }
}

/** Builds the authenticator for `auth`, verifying JWTs with `verifyJwt` and finding run-time keys with `storedKeys`. */
export function createAuthenticator(auth: Config['auth'], verifyJwt: JwtVerifier, storedKeys: StoredKeyLookup = () => undefined): Authenticator {
  const keys = auth.api_keys.map((key) => ({ ...key, digest: Buffer.from(key.key_sha256, 'hex') }));

  const open = (userId: string | undefined, tenant: string | undefined): Result<Identity, ApiError> => {
    const user = userId === undefined || userId === '' ? OPEN_IDENTITY.userId : userId;
    const space = tenant === undefined || tenant === '' ? OPEN_IDENTITY.tenant : tenant;
    if (!isUserId(user)) return err(apiError(API_ERROR_CODES.badRequest, `${AUTH_HEADER.userId} must be 1-128 letters, digits or ._@:-`));
    if (!isSafeSegment(space)) return err(apiError(API_ERROR_CODES.badRequest, `${AUTH_HEADER.tenant} must be 1-128 letters, digits, ".", "_" or "-"`));
    return ok({ userId: user, tenant: space, role: 'admin', via: 'open' });
  };

  const byApiKey = (presented: string): Result<Identity, ApiError> | undefined => {
    const digest = createHash('sha256').update(presented).digest();
    const key = keys.find((candidate) => timingSafeEqual(candidate.digest, digest));
    if (key !== undefined) return ok({ userId: key.id, tenant: key.tenant, role: key.role, via: 'api_key' });
    return storedKey(digest);
  };
  const storedKey = (digest: Buffer): Result<Identity, ApiError> | undefined => {
    const stored = storedKeys(digest.toString('hex'));
    // Found by its digest, confirmed in constant time all the same.
    if (stored === undefined || !timingSafeEqual(Buffer.from(stored.sha256, 'hex'), digest)) return undefined;
    if (stored.revokedAt !== null) return err(unauthorized('this API key has been revoked'));
    if (!isServerRole(stored.role) || !isUserId(stored.name) || !isSafeSegment(stored.tenant)) return err(unauthorized('this API key is not usable'));
    return ok({ userId: stored.name, tenant: stored.tenant, role: stored.role, via: 'api_key', keyId: stored.id });
  };

  const byJwt = async (token: string): Promise<Result<Identity, ApiError>> => {
    const verified = await verifyJwt(token);
    if (verified.isErr()) return err(unauthorized(verified.error));
    const payload = verified.value;
    const tenant = payload['tenant'] ?? OPEN_IDENTITY.tenant;
    const role = payload['role'] ?? 'user';
    if (typeof payload.sub !== 'string' || !isUserId(payload.sub)) return err(unauthorized('the token has no valid "sub" claim'));
    if (typeof tenant !== 'string' || !isSafeSegment(tenant)) return err(unauthorized('the token\'s "tenant" claim is not a valid tenant id'));
    if (!isServerRole(role)) return err(unauthorized('the token\'s "role" claim is not admin, operator, user or viewer'));
    return ok({ userId: payload.sub, tenant, role, via: 'jwt' });
  };

  const fromToken = async (token: string | undefined): Promise<Result<Identity, ApiError>> => {
    if (token === undefined || token === '') return err(unauthorized('credentials required: an API key or a bearer token'));
    return byApiKey(token) ?? (token.split('.').length === 3 ? byJwt(token) : err(unauthorized('unknown API key')));
  };

  return {
    enabled: auth.enabled,
    async fromHeaders(headers) {
      if (!auth.enabled) return open(headers[AUTH_HEADER.userId], headers[AUTH_HEADER.tenant]);
      const apiKey = headers[AUTH_HEADER.apiKey];
      if (apiKey !== undefined && apiKey !== '') return byApiKey(apiKey) ?? err(unauthorized('unknown API key'));
      const bearer = /^Bearer\s+(\S+)$/i.exec(headers[AUTH_HEADER.authorization] ?? '');
      if (bearer === null) return err(unauthorized(`credentials required: ${AUTH_HEADER.apiKey} or "authorization: Bearer <jwt>"`));
      return byJwt(bearer[1]!);
    },
    async fromToken(token, openAs) {
      if (!auth.enabled) return open(openAs?.userId, openAs?.tenant);
      return fromToken(token);
    },
  };
}
