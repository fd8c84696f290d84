/**
 * Who a process is, beyond its PID: PIDs are reused, so a process is named by its PID, its start time (clock ticks
 * since boot, `/proc/<pid>/stat` field 22) and the boot it belongs to (`/proc/sys/kernel/random/boot_id`). The PID
 * registry records its agents and their server this way, and the instance locks record their holder.
 */
import { readFileSync } from 'node:fs';
import { readStat } from './process-group.js';

/** A process as it can be recognised later, even after its PID has been given to another one. */
export interface ProcessIdentity {
  readonly pid: number;
  /** Clock ticks after boot at which the process started; -1 when /proc could not tell. */
  readonly startTime: number;
  readonly bootId: string;
}

let cachedBootId: string | undefined;

/** The id of the running boot; empty when the kernel does not expose one. */
export function currentBootId(): string {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBootId = '';
    }
  }
  return cachedBootId;
}

/** The identity of the live process `pid` now, or undefined when there is none (gone or a zombie). */
export function identifyProcess(pid: number): ProcessIdentity | undefined {
  const stat = readStat(pid);
  if (stat === undefined || stat.state === 'Z') return undefined;
  return { pid, startTime: stat.startTime, bootId: currentBootId() };
}

/** The identity of this process. */
export function currentProcess(): ProcessIdentity {
  return identifyProcess(process.pid) ?? { pid: process.pid, startTime: -1, bootId: currentBootId() };
}

/** True when the process `identity` names is still running: same boot, and its PID still has that start time. */
export function isRunning(identity: ProcessIdentity): boolean {
  if (identity.bootId !== currentBootId() || identity.startTime < 0) return false;
  return identifyProcess(identity.pid)?.startTime === identity.startTime;
}

/** True when `a` and `b` name the same process. */
export function sameProcess(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.pid === b.pid && a.startTime === b.startTime && a.bootId === b.bootId;
}

/** Narrows parsed JSON to a `ProcessIdentity`. */
export function isProcessIdentity(value: unknown): value is ProcessIdentity {
  const identity = value as Partial<ProcessIdentity> | null;
  return typeof identity === 'object' && identity !== null && Number.isInteger(identity.pid)
    && Number.isInteger(identity.startTime) && typeof identity.bootId === 'string';
}
