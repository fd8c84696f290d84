/**
 * The pino logger: JSON lines on stdout, ISO timestamps, one `service` field on every line. Writes are
 * synchronous: the server logs per lifecycle event, not per message, and an asynchronous stream can lose its
 * last lines (the shutdown record) when the process exits.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import type { Config } from '../config/index.js';

/** Creates the process logger at the configured level; `destination` replaces stdout (tests). */
export function createLogger(level: Config['logging']['level'], destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'aicli-api' }, timestamp: pino.stdTimeFunctions.isoTime };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
