/**
 * The keyring of encryption at rest, from `security.encryption`: the environment variable `key_env` when it is
 * set, else the file `key_file`, else the file generated in `<agent.data_dir>/keys/store.keys`. Secure by default:
 * the server generates that file (a 0600 file in a 0700 directory, written atomically)
 * (one random 256-bit key, see {@link generatedKeyId}) on first start when nothing is configured, like the generated admin
 * key. A configured file that is missing is an error, never replaced: a new key could not open what the old one sealed. Operator commands read the
 * generated file but never create it. With `enabled: false` the keys found still open old events; none seals.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import type { Config } from '../config/index.js';
import { writePrivateFileAtomically } from '../instance/index.js';
import { EMPTY_KEYRING, newKeyEntry, parseKeyring, readOnly, type Keyring, type KeyringInvalid } from '../store/index.js';

/** Where the generated keyring lives under `agent.data_dir`. */
export const GENERATED_KEYRING = { dir: 'keys', file: 'store.keys' } as const;

/**
 * The id of a generated key: unique (`k-` and 8 random hex digits), so a store read with another data directory's
 * generated key reports the key it needs (`UnknownKey`) instead of failing authentication under a shared name.
 */
export const generatedKeyId = (): string => `k-${randomBytes(4).toString('hex')}`;

/** The keyring found (or made), where it came from, and what the operator should hear about it. */
export interface LoadedKeyring {
  readonly keyring: Keyring;
  /** `environment variable NAME`, a file path, or `none`. */
  readonly source: string;
  /** True when this start generated the key file. */
  readonly generated: boolean;
  readonly warnings: readonly string[];
}

/** Options of {@link loadStoreKeyring}. */
export interface LoadKeyringOptions {
  /** Create the default key file when it is missing (the server, under its data-directory lock). */
  readonly generate: boolean;
}

/** The configured keyring; see the module comment. */
export function loadStoreKeyring(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  options: LoadKeyringOptions,
): Result<LoadedKeyring, KeyringInvalid> {
  const { enabled, key_env: keyEnv, key_file: keyFile } = config.security.encryption;
  const finish = (keyring: Keyring, source: string, generated = false, warnings: readonly string[] = []): Result<LoadedKeyring, KeyringInvalid> =>
    ok({ keyring: enabled ? keyring : readOnly(keyring), source, generated, warnings });

  const fromEnv = env[keyEnv];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const where = `environment variable ${keyEnv}`;
    return parseKeyring(fromEnv, where).andThen((keyring) => finish(keyring, where));
  }
  if (keyFile !== '') return readKeyFile(resolve(keyFile)).andThen(({ keyring, warnings }) => finish(keyring, resolve(keyFile), false, warnings));

  const path = join(resolve(config.agent.data_dir), GENERATED_KEYRING.dir, GENERATED_KEYRING.file);
  const existing = readKeyFile(path);
  if (existing.isOk()) return finish(existing.value.keyring, path, false, existing.value.warnings);
  if (existing.error.reason !== MISSING) return err(existing.error);
  if (!enabled || !options.generate) return finish(EMPTY_KEYRING, 'none');
  const created = createKeyFile(path);
  if (created !== null) return err({ kind: 'KeyringInvalid', where: path, reason: `cannot create it: ${created}` });
  return readKeyFile(path).andThen(({ keyring, warnings }) => finish(keyring, path, true, warnings));
}

const MISSING = 'does not exist';

function readKeyFile(path: string): Result<{ keyring: Keyring; warnings: string[] }, KeyringInvalid> {
  let text: string;
  const warnings: string[] = [];
  try {
    text = readFileSync(path, 'utf8');
    if ((statSync(path).mode & 0o077) !== 0) warnings.push(`${path} is readable by other users; chmod 600 it`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return err({ kind: 'KeyringInvalid', where: path, reason: code === 'ENOENT' ? MISSING : (error as Error).message });
  }
  return parseKeyring(text, path).map((keyring) => ({ keyring, warnings }));
}

function createKeyFile(path: string): string | null {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    return (error as Error).message;
  }
  const text = [
    '# aicli-api store keyring: id:base64 (32 random bytes); the LAST entry encrypts new events, every entry decrypts.',
    '# Rotate by appending a line (e.g. k2:$(openssl rand -base64 32)) and restarting; never remove a key still in use.',
    newKeyEntry(generatedKeyId()),
    '',
  ].join('\n');
  return writePrivateFileAtomically(path, text);
}
