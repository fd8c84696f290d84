/**
 * CPU time of other processes from Linux `/proc/<pid>/stat` (`utime` + `stime`, in clock ticks of
 * `getconf CLK_TCK`, usually 10 ms): for a server a benchmark did not write (the raw uWS server) and for the
 * agent processes a server spawned (the fake claude). Resolution is one tick, so measure over seconds.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let tickMicros: number | undefined;

/** Microseconds per clock tick (`getconf CLK_TCK`; 100 Hz when it cannot be asked). */
function microsPerTick(): number {
  if (tickMicros === undefined) {
    const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
    tickMicros = 1e6 / (Number.isFinite(hz) && hz > 0 ? hz : 100);
  }
  return tickMicros;
}

/** Parent PID and CPU time (µs, user + system) of `pid`, or undefined when it is gone. */
function statOf(pid: number): { readonly ppid: number; readonly cpuMicros: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the parenthesised command name: fields[0] is field 3 (state), fields[1] ppid, fields[11] utime, fields[12] stime.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuMicros: (Number(fields[11]) + Number(fields[12])) * microsPerTick() };
  } catch {
    return undefined;
  }
}

/** CPU time (µs, user + system) `pid` has used so far; 0 when it is gone. */
export function processCpuMicros(pid: number): number {
  return statOf(pid)?.cpuMicros ?? 0;
}

/** CPU time so far (µs) of every live descendant of `pid` (children, their children…), by PID; `pid` itself excluded. */
export function descendantsCpu(pid: number): Map<number, number> {
  const stats = new Map<number, { readonly ppid: number; readonly cpuMicros: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(Number(entry));
    if (stat !== undefined) stats.set(Number(entry), stat);
  }
  const found = new Map<number, number>();
  const isDescendant = (candidate: number): boolean => {
    for (let at = stats.get(candidate)?.ppid; at !== undefined && at > 1; at = stats.get(at)?.ppid) if (at === pid) return true;
    return false;
  };
  for (const [candidate, stat] of stats) if (candidate !== pid && isDescendant(candidate)) found.set(candidate, stat.cpuMicros);
  return found;
}

/**
 * CPU (µs) descendants used between two {@link descendantsCpu} samples: the growth of those alive at both, all of
 * those born in between. Processes that exited in between are missed (their time went to the parent's `cutime`).
 */
export function cpuBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [pid, micros] of after) total += micros - (before.get(pid) ?? 0);
  return total;
}
