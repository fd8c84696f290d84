/** A minimal logger (pino fits). */
export interface PoolLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** A logger that drops everything (the default). */
export const noopLogger: PoolLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
