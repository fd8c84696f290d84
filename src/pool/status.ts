/** The pool's status, for the status endpoint and metrics, read from its parts. */
import type { PoolContext, SessionStateValue } from '../../machines/index.js';
import { STREAM_PREFIX } from '../runtime/index.js';
import type { RssEstimator } from './maintenance/memory.js';
import type { ProcessSlots } from './processes/process-slots.js';
import type { WarmSet } from './processes/warm-set.js';
import type { SessionIndex } from './sessions/session-index.js';

/** The pool's status, for the status endpoint and metrics. */
export interface PoolStatus {
  readonly name: string;
  readonly target: number;
  readonly cap: number;
  readonly processes: { readonly live: number; readonly warm: number; readonly inUse: number; readonly starting: number };
  readonly sessions: { readonly total: number; readonly resident: number; readonly hibernated: number; readonly byState: Partial<Record<SessionStateValue, number>> };
  readonly utilisation: number;
  readonly memory: { readonly budgetBytes: number; readonly perProcessBytes: number; readonly measuredBytes: number };
  readonly breakers: Readonly<Record<string, string>>;
  readonly counts: Readonly<Record<string, number>>;
}

/** What the status is read from. */
export interface StatusSources {
  readonly name: string;
  readonly slots: ProcessSlots;
  readonly warm: WarmSet;
  readonly index: SessionIndex;
  /** Streams of the host's resident actors. */
  readonly resident: () => readonly string[];
  readonly poolContext: () => PoolContext;
  readonly memory: { readonly budgetBytes: number; readonly estimator: RssEstimator; readonly measuredBytes: number };
  /** Each breaker's state, by name. */
  readonly breakers: () => Readonly<Record<string, string>>;
}

/** The pool's status now. */
export function poolStatus(sources: StatusSources): PoolStatus {
  const { slots, index, memory } = sources;
  const live = slots.used;
  const warm = sources.warm.size;
  const inUse = [...index.values()].filter((entry) => entry.agent !== null).length;
  const host = new Set(sources.resident());
  let resident = 0;
  for (const entry of index.values()) if (host.has(`${STREAM_PREFIX.session}${entry.sessionId}`)) resident += 1;
  const context = sources.poolContext();
  return {
    name: sources.name,
    target: context.target,
    cap: slots.cap,
    processes: { live, warm, inUse, starting: Math.max(0, live - warm - inUse) },
    sessions: { total: index.size, resident, hibernated: index.countByState().hibernated ?? 0, byState: index.countByState() },
    utilisation: live === 0 ? 0 : inUse / live,
    memory: { budgetBytes: memory.budgetBytes, perProcessBytes: memory.estimator.estimate(), measuredBytes: memory.measuredBytes },
    breakers: sources.breakers(),
    counts: { ...context.counts },
  };
}
