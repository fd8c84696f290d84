/** The audit log: the writer the server's hooks record to, and reading it back. Re-exports only. */
export * from './audit-writer.js';
export * from './audit-query.js';
export * from './audit-time.js';
