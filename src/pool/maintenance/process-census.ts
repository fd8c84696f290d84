/**
 * The operating system's view of our child processes, for leak detection: which agents are really running
 * (from `/proc`), which process groups still have a live member, and how that differs from what the pool
 * believes it owns. A PID the OS shows but the pool does not know is a leak; one the pool knows but the OS
 * does not is a process that died without the pool noticing.
 */
import { readdirSync } from 'node:fs';
import { readCmdline, readStat } from '../../agent/process-group.js';

/** One live child process as the OS sees it. */
export interface ChildProcessInfo {
  readonly pid: number;
  readonly pgid: number;
  readonly cmdline: string[];
}

/** How the pool's bookkeeping and the OS disagree, each list sorted ascending. */
export interface CensusDiff {
  /** Alive according to the OS, unknown to the pool: leaked. */
  readonly untracked: number[];
  /** Owned by the pool, not alive according to the OS: died unnoticed. */
  readonly missing: number[];
}

/** The live (non-zombie) direct children of `parentPid`, by ascending PID. */
export function childProcesses(parentPid: number = process.pid): ChildProcessInfo[] {
  const children: ChildProcessInfo[] = [];
  for (const pid of procPids()) {
    const stat = readStat(pid);
    if (stat === undefined || stat.ppid !== parentPid || stat.state === 'Z') continue;
    const cmdline = readCmdline(pid);
    if (cmdline !== undefined) children.push({ pid, pgid: stat.pgid, cmdline });
  }
  return children;
}

/** Those of `pgids` that still have a live (non-zombie) member; one pass over `/proc` for all of them. */
export function processGroupsAlive(pgids: Iterable<number>): Set<number> {
  const wanted = new Set(pgids);
  const alive = new Set<number>();
  if (wanted.size === 0) return alive;
  for (const pid of procPids()) {
    const stat = readStat(pid);
    if (stat !== undefined && stat.state !== 'Z' && wanted.has(stat.pgid)) alive.add(stat.pgid);
  }
  return alive;
}

/** The PIDs (or PGIDs) in `actual` but not in `owned`, and in `owned` but not in `actual`. */
export function compareCensus(owned: ReadonlySet<number>, actual: ReadonlySet<number>): CensusDiff {
  const untracked = [...actual].filter((id) => !owned.has(id)).sort((a, b) => a - b);
  const missing = [...owned].filter((id) => !actual.has(id)).sort((a, b) => a - b);
  return { untracked, missing };
}

function procPids(): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.filter((entry) => /^\d+$/.test(entry)).map(Number).sort((a, b) => a - b);
}
