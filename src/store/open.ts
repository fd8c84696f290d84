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
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { StoreError } from './errors.js';
import type { EventStore } from './port.js';
import { toAsync } from './core/result.js';
import { MemoryEventStore } from './memory/index.js';
import { SqliteEventStore, type SqliteDurability } from './sqlite/index.js';
import { parseStoreUrl } from './url.js';

export { parseSqliteUrl } from './url.js';

/** Options of {@link openStore}; URL parameters win over these. */
export interface OpenStoreOptions {
  /** Base directory of relative `sqlite:` paths; default `process.cwd()`. */
  readonly cwd?: string;
  /** SQLite durability when the URL has no `durability` parameter; default `'full'`. */
  readonly durability?: SqliteDurability;
  /** SQLite subscription poll interval for other processes' commits; default 100 ms. */
  readonly pollIntervalMs?: number;
}

/**
 * Opens the event store a URL names (see the module comment for the accepted URLs; `parseStoreUrl` decides).
 * The EventStoreDB adapter (gRPC) is loaded only when an `esdb` URL asks for it.
 */
export function openStore(url: string, options: OpenStoreOptions = {}): ResultAsync<EventStore, StoreError> {
  const target = parseStoreUrl(url, options);
  if (target.isErr()) return errAsync(target.error);
  const named = target.value;
  switch (named.adapter) {
    case 'memory':
      return okAsync(new MemoryEventStore());
    case 'sqlite':
      return toAsync(
        SqliteEventStore.open(named.path, { durability: named.durability, ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }) }),
      );
    case 'esdb':
      return ResultAsync.fromSafePromise(import('./eventstoredb/index.js')).andThen(({ EsdbEventStore }) =>
        toAsync(EsdbEventStore.connect(named.url)).map((store): EventStore => store),
      );
  }
}
