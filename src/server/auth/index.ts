/** Authentication and authorisation of API callers. Re-exports only. */
export * from './identity.js';
export * from './authenticator.js';
export * from './guard.js';
export * from './jwt-verifier.js';
export * from './api-key-material.js';
export * from './api-key-commands.js';
export * from './generated-credentials.js';
export * from './audited-authenticator.js';
