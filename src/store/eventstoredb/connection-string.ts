/**
 * Checks an `esdb://` connection string with the client's own parser, so a URL that `EsdbEventStore.connect`
 * would refuse is refused while the configuration is validated. The client is loaded on first use only: a
 * server on SQLite never loads it.
 */
import { createRequire } from 'node:module';
import { describeCause } from '../core/result.js';

type EsdbClientModule = typeof import('@eventstore/db-client');

const require = createRequire(import.meta.url);

/** Why the client refuses `url` as a connection string, or `null` when it accepts it. Nothing connects. */
export function esdbConnectionProblem(url: string): string | null {
  const { EventStoreDBClient } = require('@eventstore/db-client') as EsdbClientModule;
  try {
    // Building a client only parses the string; the connection is made on its first call, and disposed unused here.
    void EventStoreDBClient.connectionString(url).dispose();
    return null;
  } catch (cause) {
    return `the EventStoreDB client refuses it: ${describeCause(cause)}`;
  }
}
