/**
 * `openStore(url)`: the one place that turns a configured store URL into an adapter.
 *
 * | URL                                   | adapter                                                  |
 * | ------------------------------------- | -------------------------------------------------------- |
 * | `sqlite:./data/events.db`             | SQLite file, relative to `options.cwd` (default: cwd); the directory is created |
 * | `sqlite:/abs/path.db`, `sqlite:///abs/path.db` | SQLite file at an absolute path                  |
 * | `sqlite::memory:`                     | SQLite in memory (lost on close)                         |
 * | `sqlite:PATH?durability=normal`       | SQLite with `synchronous=NORMAL` (default `full`)        |
 * | `memory:`                             | in-process memory store (tests)                          |
 * | `esdb://host:2113?tls=false`, `esdb+discover://…` | EventStoreDB / KurrentDB over gRPC; connects lazily (use `ping()` for readiness) |
 */
import { isAbsolute, resolve } from 'node:path';
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import { SQLITE_DURABILITY } from './constants.js';
import { invalidStoreUrl, type StoreError } from './errors.js';
import type { EventStore } from './port.js';
import { toAsync } from './core/result.js';
import { MemoryEventStore } from './memory/index.js';
import { SqliteEventStore, type SqliteDurability } from './sqlite/index.js';

/** Options of {@link openStore}; URL parameters win over these. */
export interface OpenStoreOptions {
  /** Base directory of relative `sqlite:` paths; default `process.cwd()`. */
  readonly cwd?: string;
  /** SQLite durability when the URL has no `durability` parameter; default `'full'`. */
  readonly durability?: SqliteDurability;
  /** SQLite subscription poll interval for other processes' commits; default 100 ms. */
  readonly pollIntervalMs?: number;
}

const KURRENT_SCHEMES = /^(kurrentdb|kurrent|kdb)(\+discover)?:\/\//i;

interface SqliteTarget {
  readonly path: string;
  readonly durability: SqliteDurability;
}

/** Parses the part after `sqlite:` into a path and settings. */
export function parseSqliteUrl(url: string, options: OpenStoreOptions = {}): Result<SqliteTarget, StoreError> {
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

function open(url: string, options: OpenStoreOptions): Result<EventStore, StoreError> | 'esdb' {
  if (url === 'memory:') return ok(new MemoryEventStore());
  if (url.startsWith('sqlite:')) {
    return parseSqliteUrl(url, options).andThen(({ path, durability }) =>
      SqliteEventStore.open(path, { durability, ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }) }),
    );
  }
  if (url.startsWith('esdb://') || url.startsWith('esdb+discover://')) return 'esdb';
  if (KURRENT_SCHEMES.test(url)) {
    return err(invalidStoreUrl(url, '@eventstore/db-client 6.2.1 does not understand this scheme; the same server is reachable as esdb://HOST:2113'));
  }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
  return err(invalidStoreUrl(url, scheme === undefined ? 'the URL has no scheme' : `unknown scheme ${JSON.stringify(scheme)}`));
}

/**
 * Opens the event store a URL names (see the module comment for the accepted URLs). The EventStoreDB client
 * (gRPC) is loaded only when an `esdb` URL asks for it.
 */
export function openStore(url: string, options: OpenStoreOptions = {}): ResultAsync<EventStore, StoreError> {
  const trimmed = url.trim();
  const opened = open(trimmed, options);
  if (opened !== 'esdb') return toAsync(opened);
  return ResultAsync.fromSafePromise(import('./eventstoredb/index.js')).andThen(({ EsdbEventStore }) =>
    toAsync(EsdbEventStore.connect(trimmed)).map((store): EventStore => store),
  );
}
