/**
 * Keeping live processes where the pool machine wants them: towards its target, prewarming the most demanded
 * launch profile or retiring warm processes, and taking back as warm a process that never took a turn.
 */
import type { AgentOptions } from '../../../machines/index.js';
import type { AgentHandle } from './agent-port.js';
import type { ProfileDemand } from './demand.js';
import type { ProcessSupply } from './process-supply.js';
import { profileKey } from './profile.js';
import type { WarmSet } from './warm-set.js';

/** What the warm target works with. */
export interface WarmTargetDeps {
  readonly supply: ProcessSupply;
  readonly warm: WarmSet;
  readonly demand: ProfileDemand;
  /** The pool machine's target number of live processes. */
  readonly target: () => number;
  readonly now: () => number;
  readonly closed: () => boolean;
}

/** The warm target of one pool. */
export class WarmTarget {
  constructor(private readonly deps: WarmTargetDeps) {}

  /** Brings live processes towards the target: prewarm the most demanded profile, or retire warm ones. */
  reconcile(): void {
    const { supply, warm, demand } = this.deps;
    if (this.deps.closed()) return;
    const target = this.deps.target();
    const live = supply.staying;
    if (live < target) {
      const { tenant, options } = demand.top(this.deps.now());
      for (let i = live; i < target; i++) if (!supply.prewarm(tenant, options)) break;
    } else if (live > target && warm.size > 0) {
      supply.retireWarm(Math.min(warm.size, live - target));
    }
  }

  /** Takes a process that never got a turn back as warm, while the pool is not above its target. */
  offerWarm(handle: AgentHandle, tenant: string, options: AgentOptions, startedAt: number): boolean {
    if (this.deps.closed() || this.deps.supply.staying > this.deps.target()) return false;
    this.deps.warm.add({ handle, tenant, options, profile: profileKey(tenant, options), startedAt });
    return true;
  }
}
