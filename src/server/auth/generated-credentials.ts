/**
 * Safe by default: a server whose auth is on but configures no credential at all (no JWT key, no `auth.api_keys`)
 * generates them on first start in `<agent.data_dir>/auth/`: a random HS256 signing secret (`jwt-secret`, 48 bytes,
 * base64url; only when `auth.jwt.algorithm` is HS256) and an admin API key, of which only the SHA-256 is kept
 * (`admin-key.json`). Both files are mode 0600 in a 0700 directory, written atomically (temporary file, fsync,
 * rename). The admin key itself is returned once, for the server to print; later starts reuse the files silently.
 * A configured secret or key always wins: nothing is generated or read then.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import type { Config } from '../../config/index.js';
import { writePrivateFileAtomically } from '../../instance/index.js';
import { OPEN_IDENTITY } from './authenticator.js';
import { newApiKey } from './api-key-material.js';

/** The directory (under `agent.data_dir`) and files of generated credentials. */
export const GENERATED_CREDENTIALS = { dir: 'auth', jwtSecret: 'jwt-secret', adminKey: 'admin-key.json' } as const;

/** The id (and user) of the generated admin key. */
export const GENERATED_ADMIN_KEY_ID = 'admin';

const SECRET_BYTES = 48;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** What a start found or made in the data directory. */
export interface GeneratedCredentials {
  readonly dir: string;
  /** The HS256 secret, or `null` when the configured algorithm is not HS256. */
  readonly jwtSecret: string | null;
  readonly adminKeySha256: string;
  /** The admin key when this start generated it (print it, once), else `null`. */
  readonly newAdminKey: string | null;
  /** Files readable by others than the owner, said out loud. */
  readonly warnings: readonly string[];
}

/** A generated credential file that exists but cannot be used (the server refuses to start rather than replace it). */
export interface CredentialsError {
  readonly kind: 'GeneratedCredentialsUnusable';
  readonly path: string;
  readonly reason: string;
}

/** Whether `auth` is on with no credential configured, so the server must use generated ones. */
export function needsGeneratedCredentials(auth: Config['auth']): boolean {
  const { jwt } = auth;
  return auth.enabled && auth.api_keys.length === 0 && jwt.secret === '' && jwt.public_key_file === '' && jwt.jwks_file === '';
}

/** Reads the generated credentials of `dataDir`, generating whichever is missing. */
export function ensureGeneratedCredentials(dataDir: string, auth: Config['auth']): Result<GeneratedCredentials, CredentialsError> {
  const dir = join(resolve(dataDir), GENERATED_CREDENTIALS.dir);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    return err({ kind: 'GeneratedCredentialsUnusable', path: dir, reason: (error as Error).message });
  }
  const warnings: string[] = [];
  const secret = auth.jwt.algorithm === 'HS256' ? readOrCreate(join(dir, GENERATED_CREDENTIALS.jwtSecret), warnings, readSecret, () => randomBytes(SECRET_BYTES).toString('base64url')) : ok(null);
  if (secret.isErr()) return err(secret.error);
  let newAdminKey: string | null = null;
  const adminKey = readOrCreate(join(dir, GENERATED_CREDENTIALS.adminKey), warnings, readAdminKey, () => {
    const made = newApiKey();
    newAdminKey = made.key;
    return `${JSON.stringify({ id: GENERATED_ADMIN_KEY_ID, key_sha256: made.sha256, role: 'admin', tenant: OPEN_IDENTITY.tenant, last4: made.last4 }, null, 2)}\n`;
  });
  if (adminKey.isErr()) return err(adminKey.error);
  return ok({ dir, jwtSecret: secret.value, adminKeySha256: adminKey.value, newAdminKey, warnings });
}

/** `auth` with the generated secret and admin key in place of the missing configuration. */
export function withGeneratedCredentials(auth: Config['auth'], generated: GeneratedCredentials): Config['auth'] {
  return {
    ...auth,
    jwt: generated.jwtSecret === null ? auth.jwt : { ...auth.jwt, secret: generated.jwtSecret },
    api_keys: [{ id: GENERATED_ADMIN_KEY_ID, key_sha256: generated.adminKeySha256, role: 'admin', tenant: OPEN_IDENTITY.tenant }],
  };
}

/** A file's content as the value it holds, or why it holds none. */
type Parse<T> = (text: string) => Result<T, string>;

const readSecret: Parse<string> = (text) => {
  const secret = text.trim();
  return Buffer.byteLength(secret) >= 32 ? ok(secret) : err('holds fewer than 32 bytes');
};

const readAdminKey: Parse<string> = (text) => {
  try {
    const sha = (JSON.parse(text) as { key_sha256?: unknown }).key_sha256;
    return typeof sha === 'string' && SHA256_HEX.test(sha) ? ok(sha) : err('has no valid "key_sha256"');
  } catch {
    return err('is not JSON');
  }
};

/** The parsed content of `path`, or, when it does not exist, `create()`'s content written atomically and parsed. */
function readOrCreate<T>(path: string, warnings: string[], parse: Parse<T>, create: () => string): Result<T, CredentialsError> {
  const refuse = (reason: string): Result<T, CredentialsError> => err({ kind: 'GeneratedCredentialsUnusable', path, reason });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
    if ((statSync(path).mode & 0o077) !== 0) warnings.push(`${path} is readable by other users; chmod 600 it`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return refuse((error as Error).message);
    text = create();
    const written = writePrivateFileAtomically(path, text);
    if (written !== null) return refuse(written);
  }
  return parse(text).orElse(refuse);
}
