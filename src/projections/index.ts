/** The live host of the store projections (the folds themselves live in `projections/`). Re-exports only. */
export * from './errors.js';
export * from './projection-host.js';
export * from './checkpoint.js';
export * from './folded-to.js';
