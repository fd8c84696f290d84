/**
 * Bounds on what the runner accepts from a process, with defaults: line length, the garbage rule and
 * how much stderr is kept for the exit report.
 */

/** Limits applied to one agent process's output. */
export interface AgentLimits {
  /** Longest stdout line held in memory; a longer one is a `garbage` fault and is discarded. */
  readonly maxLineBytes: number;
  /** This many malformed lines within `garbageWindowMs` make a `garbage` fault. */
  readonly garbageThreshold: number;
  readonly garbageWindowMs: number;
  /** Bytes of stderr kept for `ExitInfo.stderrTail`. */
  readonly stderrTailBytes: number;
}

/** Defaults: 16 MiB lines (tool results can be large), 5 bad lines in 1 s, 4 KiB of stderr. */
export const DEFAULT_AGENT_LIMITS: AgentLimits = {
  maxLineBytes: 16 * 1024 * 1024,
  garbageThreshold: 5,
  garbageWindowMs: 1_000,
  stderrTailBytes: 4 * 1024,
};
