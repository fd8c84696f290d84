/**
 * Memory accounting of the pool: what agent processes actually hold (RSS from `/proc`), the memory budget
 * the pool may fill, how many live processes that budget allows, and a running estimate of one process's
 * footprint (a Claude Code CLI holds about 240 MB) to size the cap before any has been measured.
 */
import { groupMembers, readRss } from '../../agent/process-group.js';

/** Resident set size of `pid` in bytes, or undefined when the process is gone. */
export function readProcessRss(pid: number): number | undefined {
  return readRss(pid);
}

/** Total RSS in bytes of the live members of process group `pgid` (an agent and its children); 0 when gone. */
export function groupRss(pgid: number): number {
  let total = 0;
  for (const pid of groupMembers(pgid)) total += readRss(pid) ?? 0;
  return total;
}

/** The memory budget in bytes: `configuredBytes`, or half of `totalMemBytes` when it is 0 (automatic). */
export function deriveMemoryBudget(configuredBytes: number, totalMemBytes: number): number {
  return configuredBytes > 0 ? configuredBytes : Math.floor(totalMemBytes / 2);
}

/** What bounds the number of live agent processes. */
export interface ProcessCapInput {
  /** The pool's maximum size. */
  readonly maxSize: number;
  /** An explicit cap on live processes; 0 = none. */
  readonly maxProcesses: number;
  /** The memory budget (see {@link deriveMemoryBudget}). */
  readonly budgetBytes: number;
  /** Estimated RSS of one process; 0 or less leaves memory out of the cap. */
  readonly perProcessBytes: number;
}

/**
 * How many agent processes may be alive at once: the smallest of `maxSize`, `maxProcesses` (when set) and
 * as many processes as fit in the budget; never below 1, so a pool on a small machine still serves.
 */
export function liveProcessCap(input: ProcessCapInput): number {
  const byMemory = input.perProcessBytes > 0 ? Math.floor(input.budgetBytes / input.perProcessBytes) : Infinity;
  const explicit = input.maxProcesses > 0 ? input.maxProcesses : Infinity;
  const cap = Math.min(input.maxSize, explicit, byMemory);
  return Number.isNaN(cap) ? 1 : Math.max(1, Math.floor(cap));
}

/**
 * An exponential moving average of measured per-process RSS, starting from a configured estimate; each
 * observation moves the estimate `alpha` of the way towards it. Non-positive or non-finite samples (a process
 * that was gone when measured) are ignored.
 */
export class RssEstimator {
  private current: number;

  constructor(
    initialBytes: number,
    private readonly alpha = 0.2,
  ) {
    this.current = initialBytes;
  }

  /** The current per-process estimate in bytes (rounded). */
  estimate(): number {
    return Math.round(this.current);
  }

  /** Folds one measured per-process RSS into the estimate. */
  observe(bytes: number): void {
    if (!Number.isFinite(bytes) || bytes <= 0) return;
    this.current += this.alpha * (bytes - this.current);
  }
}
