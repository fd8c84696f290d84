/** Agent processes: the launcher port, launch profiles, slots under the cap, the warm set, demand, capacity, supply, and the bridge to session actors. Re-exports only. */
export * from './agent-port.js';
export * from './profile.js';
export * from './process-slots.js';
export * from './warm-set.js';
export * from './demand.js';
export * from './capacity.js';
export * from './warm-target.js';
export * from './process-supply.js';
export * from './text-deltas.js';
export * from './agent-bridge.js';
