/** The pino logger: JSON lines on stdout, ISO timestamps, one `service` field on every line. */
import { pino, type Logger, type DestinationStream } from 'pino';
import type { Config } from '../config/index.js';

/** Creates the process logger at the configured level; `destination` replaces stdout (tests). */
export function createLogger(level: Config['logging']['level'], destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'aicli-api' }, timestamp: pino.stdTimeFunctions.isoTime };
  return destination === undefined ? pino(options) : pino(options, destination);
}
