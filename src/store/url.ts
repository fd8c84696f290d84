/**
 * Store URLs: which adapter a configured `store.url` names and with what settings, without opening anything.
 * `openStore` opens what this parses, and the config module validates `store.url` with it, so `aicli-api config`
 * refuses exactly the URLs the server would. It loads no adapter (the EventStoreDB client only for an `esdb` URL).
 */
import { isAbsolute, resolve } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { SQLITE_DURABILITY } from './constants.js';
import { invalidStoreUrl, type StoreError } from './errors.js';
import { esdbConnectionProblem } from './eventstoredb/connection-string.js';
import type { SqliteDurability } from './sqlite/schema.js';

/** How relative paths and defaults are resolved; URL parameters win over these. */
export interface StoreUrlOptions {
  /** Base directory of relative `sqlite:` paths; default `process.cwd()`. */
  readonly cwd?: string;
  /** SQLite durability when the URL has no `durability` parameter; default `'full'`. */
  readonly durability?: SqliteDurability;
}

/** The SQLite file (or `:memory:`) and durability a `sqlite:` URL names. */
export interface SqliteTarget {
  readonly path: string;
  readonly durability: SqliteDurability;
}

/** What a store URL names. */
export type StoreTarget =
  | { readonly adapter: 'memory' }
  | ({ readonly adapter: 'sqlite' } & SqliteTarget)
  | { readonly adapter: 'esdb'; readonly url: string };

const KURRENT_SCHEMES = /^(kurrentdb|kurrent|kdb)(\+discover)?:\/\//i;

/** Parses the part after `sqlite:` into a path and settings. */
export function parseSqliteUrl(url: string, options: StoreUrlOptions = {}): Result<SqliteTarget, StoreError> {
  const rest = url.slice('sqlite:'.length);
  const query = rest.indexOf('?');
  let path = query < 0 ? rest : rest.slice(0, query);
  const params = new URLSearchParams(query < 0 ? '' : rest.slice(query + 1));
  let durability = options.durability ?? SQLITE_DURABILITY.full;
  for (const [key, value] of params) {
    if (key !== 'durability') return err(invalidStoreUrl(url, `unknown parameter ${JSON.stringify(key)} (only "durability" is accepted)`));
    if (value !== SQLITE_DURABILITY.full && value !== SQLITE_DURABILITY.normal) {
      return err(invalidStoreUrl(url, `durability must be "full" or "normal", got ${JSON.stringify(value)}`));
    }
    durability = value;
  }
  if (path.startsWith('//')) path = path.slice(2);
  if (path === '') return err(invalidStoreUrl(url, 'the sqlite: URL has no file path (use sqlite:./data/events.db or sqlite::memory:)'));
  if (path !== ':memory:' && !isAbsolute(path)) path = resolve(options.cwd ?? process.cwd(), path);
  return ok({ path, durability });
}

/** The adapter and settings `url` names (surrounding spaces ignored), or `InvalidStoreUrl` saying why none fits. */
export function parseStoreUrl(url: string, options: StoreUrlOptions = {}): Result<StoreTarget, StoreError> {
  const trimmed = url.trim();
  if (trimmed === 'memory:') return ok({ adapter: 'memory' });
  if (trimmed.startsWith('sqlite:')) return parseSqliteUrl(trimmed, options).map((target) => ({ adapter: 'sqlite' as const, ...target }));
  if (trimmed.startsWith('esdb://') || trimmed.startsWith('esdb+discover://')) {
    const problem = esdbConnectionProblem(trimmed);
    return problem === null ? ok({ adapter: 'esdb', url: trimmed }) : err(invalidStoreUrl(trimmed, problem));
  }
  if (KURRENT_SCHEMES.test(trimmed)) {
    return err(invalidStoreUrl(trimmed, '@eventstore/db-client 6.2.1 does not understand this scheme; the same server is reachable as esdb://HOST:2113'));
  }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(trimmed)?.[0];
  return err(invalidStoreUrl(trimmed, scheme === undefined ? 'the URL has no scheme' : `unknown scheme ${JSON.stringify(scheme)}`));
}
