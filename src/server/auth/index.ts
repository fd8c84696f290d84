/** Authentication and authorisation of API callers. Re-exports only. */
export * from './identity.js';
export * from './authenticator.js';
export * from './guard.js';
export * from './jwt-verifier.js';
