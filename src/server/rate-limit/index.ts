/** Rate limits per caller and per remote address. Re-exports only. */
export * from './token-buckets.js';
export * from './rate-limits.js';
export * from './limited-authenticator.js';
