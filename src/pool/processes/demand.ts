/**
 * Which launch profile new warm processes get: the one sessions have been asking for most recently. Each
 * create adds to its profile's score; scores halve every `halfLifeMs`, so the pool follows a shift of demand
 * (another tenant, another model) within minutes. With no demand yet, the default profile.
 */
import type { AgentOptions } from '../../../machines/index.js';
import { DEFAULT_AGENT_OPTIONS, DEFAULT_TENANT, profileKey } from './profile.js';

interface Demand {
  readonly tenant: string;
  readonly options: AgentOptions;
  score: number;
  at: number;
}

/** Most profiles remembered; the least demanded is forgotten beyond it. */
const MAX_PROFILES = 64;

/** Demand per launch profile, decaying. */
export class ProfileDemand {
  readonly #profiles = new Map<string, Demand>();

  constructor(private readonly halfLifeMs = 300_000) {}

  /** Records one request for `tenant`/`options` at `at`. */
  record(tenant: string, options: AgentOptions, at: number): void {
    const key = profileKey(tenant, options);
    const demand = this.#profiles.get(key) ?? { tenant, options, score: 0, at };
    demand.score = this.#decayed(demand, at) + 1;
    demand.at = at;
    this.#profiles.set(key, demand);
    if (this.#profiles.size > MAX_PROFILES) {
      const weakest = [...this.#profiles.entries()].sort(([, a], [, b]) => this.#decayed(a, at) - this.#decayed(b, at))[0];
      if (weakest !== undefined) this.#profiles.delete(weakest[0]);
    }
  }

  /** The profile to prewarm at `at`. */
  top(at: number): { readonly tenant: string; readonly options: AgentOptions } {
    let best: Demand | undefined;
    for (const demand of this.#profiles.values()) {
      if (best === undefined || this.#decayed(demand, at) > this.#decayed(best, at)) best = demand;
    }
    return best ?? { tenant: DEFAULT_TENANT, options: DEFAULT_AGENT_OPTIONS };
  }

  #decayed(demand: Demand, at: number): number {
    return demand.score * 0.5 ** (Math.max(0, at - demand.at) / this.halfLifeMs);
  }
}
