/**
 * The operating system's view of agent processes (Linux `/proc`): signalling a whole process group,
 * listing the processes still in a group, and reading a process's command line to tell our agent from a
 * stranger that reused its PID.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Sends `signal` to every process in group `pgid`; false when the group is empty or gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The PIDs of live (non-zombie) processes whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat !== undefined && stat.pgid === pgid && stat.state !== 'Z') members.push(Number(entry));
  }
  return members;
}

/** The argument vector of `pid` from `/proc/<pid>/cmdline`, or undefined when it is gone. */
export function readCmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((arg) => arg !== '');
  } catch {
    return undefined;
  }
}

/** Resident set size of `pid` in bytes, from the `VmRSS` line of `/proc/<pid>/status`; undefined when it is gone. */
export function readRss(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    // A zombie or kernel thread has no VmRSS line: it holds no user memory.
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * State letter, parent PID, process group and start time of `pid` from `/proc/<pid>/stat`. `startTime` (field 22)
 * is in clock ticks since boot: with the boot id it tells a process from a later one that reuses its PID.
 */
export function readStat(pid: number): { state: string; ppid: number; pgid: number; startTime: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is parenthesised and may contain spaces: parse after its closing paren, so
    // fields[0] is field 3 (state) and field 22 (starttime) is fields[19].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', ppid: Number(fields[1]), pgid: Number(fields[2]), startTime: Number(fields[19]) };
  } catch {
    return undefined;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
