/**
 * Looking at processes from tests through `/proc`: a server's descendants (its agents), whether a PID is still a
 * live process, and polling until a condition holds.
 */
import { readdirSync } from 'node:fs';
import { readStat } from '../../src/agent/process-group.js';

/** Live descendants of `pid` (children and grandchildren), from /proc. */
export function descendants(pid: number): number[] {
  const all = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number);
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = all.filter((candidate) => {
      const stat = readStat(candidate);
      return stat !== undefined && stat.state !== 'Z' && frontier.includes(stat.ppid);
    });
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** True while `pid` names a process that is not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** Polls `condition` every 50 ms; false when it still does not hold after `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
