/**
 * Making room under the cap for a session that needs a process: retire a warm process first, else hibernate the
 * least recently active idle session (recorded as `SessionEvicted`). Following the pool machine's target is
 * `warm-target.ts`.
 */
import type { ResultAsync } from 'neverthrow';
import { POOL_EVENT, type EvictionReason, type PoolEvent } from '../../../machines/index.js';
import type { PoolError } from '../errors.js';
import type { ProcessSupply } from './process-supply.js';
import { EVICTABLE_STATES, type SessionIndex } from '../sessions/session-index.js';
import type { WarmSet } from './warm-set.js';

/** What capacity management works with. */
export interface CapacityDeps {
  readonly supply: ProcessSupply;
  readonly warm: WarmSet;
  readonly index: SessionIndex;
  readonly now: () => number;
  /** Up to `count` idle sessions with a process, least recently active first. */
  readonly evictionCandidates: (count: number) => string[];
  readonly hibernate: (sessionId: string, reason: string) => ResultAsync<boolean, PoolError>;
  readonly record: (event: PoolEvent) => Promise<void>;
  readonly logger: { warn(object: object, message?: string): void };
}

/** Room under the cap, for one pool. */
export class Capacity {
  /** Session evictions asked for whose process has not been told to stop yet. */
  #evicting = 0;

  constructor(private readonly deps: CapacityDeps) {}

  /** Whether a slot could be freed: a warm process to retire or an idle session to hibernate. */
  canMakeRoom(): boolean {
    if (this.deps.warm.size > 0) return true;
    for (const entry of this.deps.index.values()) if (entry.agent !== null && EVICTABLE_STATES.includes(entry.state)) return true;
    return false;
  }

  /**
   * Frees slots for `waiting` reservations: each process already on its way out (or a session being hibernated)
   * will free one; for the rest, retire warm processes first, then hibernate idle sessions, least recently active
   * first. False when nothing is freeing a slot and nothing can.
   */
  makeRoom(waiting: number): boolean {
    const { supply } = this.deps;
    while (supply.retiring + this.#evicting < waiting) {
      if (supply.retireWarm(1) === 1) continue;
      const victim = this.deps.evictionCandidates(1)[0];
      if (victim === undefined) break;
      this.#evicting += 1;
      void this.evict(victim, 'lru').finally(() => (this.#evicting -= 1));
    }
    return supply.retiring + this.#evicting > 0;
  }

  /** Hibernates a session to free its process, recording why in the pool stream. */
  evict(sessionId: string, reason: Exclude<EvictionReason, 'idle'>): Promise<void> {
    const entry = this.deps.index.get(sessionId);
    if (entry !== undefined) entry.lastActiveAt = Number.MAX_SAFE_INTEGER; // not chosen twice while it stops
    return this.deps
      .hibernate(sessionId, reason)
      .map((accepted) => {
        if (accepted) void this.deps.record({ type: POOL_EVENT.SESSION_EVICTED, at: this.deps.now(), sessionId, reason });
      })
      .match(
        () => undefined,
        (error) => this.deps.logger.warn({ sessionId, error }, 'pool: could not hibernate a session'),
      );
  }
}
