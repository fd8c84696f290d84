/**
 * A small JSON file (`<stateDir>/agent-pids.json`, replaced atomically by write-then-rename) listing the
 * agent processes a server started, so that after a crash of the server a new instance can reap the
 * orphans it left behind. Each record names the agent and the server that started it by PID *and* start
 * time (PIDs get reused): a new server only reaps agents whose server is no longer running, and only kills
 * a PID whose process still has the recorded start time.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import type { AgentError } from './errors.js';
import { groupMembers, readCmdline, readStat, signalGroup } from './process-group.js';
import { currentBootId, currentProcess, isProcessIdentity, isRunning, sameProcess, type ProcessIdentity } from './process-identity.js';
import { waitFor } from './wait.js';

/** One process we started; `pid` is also its process group id (spawned detached). */
export interface PidRecord {
  readonly pid: number;
  readonly command: string;
  readonly sessionId: string;
  readonly tenantId: string;
  readonly startedAt: number;
  /** `/proc/<pid>/stat` start time of the agent when it was recorded; null when it had already exited. */
  readonly startTime?: number | null;
  /** The server that started it; absent in files written before owners were recorded. */
  readonly owner?: ProcessIdentity;
}

/** What `reapOrphans` did with each record. */
export interface ReapReport {
  readonly killed: readonly number[];
  readonly skipped: ReadonlyArray<{ readonly pid: number; readonly reason: 'gone' | 'pid_reused' }>;
}

const FILE = 'agent-pids.json';

/** The registry of one server's agent processes. */
export class PidRegistry {
  private entries: PidRecord[];

  private constructor(
    readonly path: string,
    private readonly owner: ProcessIdentity,
    entries: PidRecord[],
  ) {
    this.entries = entries;
  }

  /**
   * Opens (creating the directory) the registry in `stateDir` for the server `owner`; a missing or corrupt file
   * reads as empty. Refused (`RegistryInUse`) when a record belongs to another server that is still running:
   * the caller holds the data directory's lock, so this only happens when something bypassed it, and then the
   * file and its agents are left alone. `owner` is this process unless told.
   */
  static open(stateDir: string, owner: ProcessIdentity = currentProcess()): Result<PidRegistry, AgentError> {
    const path = join(stateDir, FILE);
    try {
      mkdirSync(stateDir, { recursive: true });
    } catch (cause) {
      return err({ kind: 'RegistryFailed', path, reason: String(cause) });
    }
    const records = readRecords(path);
    const running = records.find((record) => record.owner !== undefined && !sameProcess(record.owner, owner) && isRunning(record.owner));
    if (running?.owner !== undefined) return err({ kind: 'RegistryInUse', path, owner: running.owner });
    return ok(new PidRegistry(path, owner, records));
  }

  /** The recorded processes. */
  records(): readonly PidRecord[] {
    return this.entries;
  }

  /** Records a process this server has just started, with its start time read now. */
  add(record: Omit<PidRecord, 'startTime' | 'owner'>): Result<void, AgentError> {
    const startTime = readStat(record.pid)?.startTime ?? null;
    this.entries = [...this.entries.filter((entry) => entry.pid !== record.pid), { ...record, startTime, owner: this.owner }];
    return this.save();
  }

  /** Forgets a process that has exited. */
  remove(pid: number): Result<void, AgentError> {
    if (!this.entries.some((entry) => entry.pid === pid)) return ok(undefined);
    this.entries = this.entries.filter((entry) => entry.pid !== pid);
    return this.save();
  }

  /**
   * Kills (SIGTERM, then SIGKILL after `graceMs`) the process group of every recorded process that is
   * still ours, then empties the registry. Run at start, after {@link PidRegistry.open} has checked that no
   * recorded server is still running. A record is ours when its process still has the recorded start time
   * (records without one fall back to the command line showing our command and session id); records from an
   * earlier boot are gone. A group whose leader is gone but whose members live is ours too: Linux does not
   * reuse a PID while it names a live process group.
   */
  reapOrphans(graceMs: number): ResultAsync<ReapReport, AgentError> {
    const killed: number[] = [];
    const skipped: Array<{ pid: number; reason: 'gone' | 'pid_reused' }> = [];
    const victims: number[] = [];
    for (const record of this.entries) {
      const verdict = classify(record);
      if (verdict === 'ours') victims.push(record.pid);
      else skipped.push({ pid: record.pid, reason: verdict });
    }
    for (const pgid of victims) if (signalGroup(pgid, 'SIGTERM')) killed.push(pgid);
    const reap = async (): Promise<ReapReport> => {
      await waitFor(() => victims.every((pgid) => groupMembers(pgid).length === 0), graceMs);
      for (const pgid of victims) if (groupMembers(pgid).length > 0) signalGroup(pgid, 'SIGKILL');
      await waitFor(() => victims.every((pgid) => groupMembers(pgid).length === 0), 1_000);
      return { killed, skipped };
    };
    return ResultAsync.fromSafePromise(reap()).andThen((report) => {
      this.entries = [];
      return this.save().map(() => report);
    });
  }

  private save(): Result<void, AgentError> {
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, `${JSON.stringify(this.entries)}\n`, { mode: 0o600 });
      renameSync(tmp, this.path);
      return ok(undefined);
    } catch (cause) {
      return err({ kind: 'RegistryFailed', path: this.path, reason: String(cause) });
    }
  }
}

function classify(record: PidRecord): 'ours' | 'gone' | 'pid_reused' {
  if (record.owner !== undefined && record.owner.bootId !== currentBootId()) return 'gone';
  const stat = readStat(record.pid);
  if (stat === undefined || stat.state === 'Z') return groupMembers(record.pid).length > 0 ? 'ours' : 'gone';
  if (typeof record.startTime === 'number') return stat.startTime === record.startTime ? 'ours' : 'pid_reused';
  const argv = readCmdline(record.pid) ?? [];
  const launched = argv.slice(0, 2).includes(record.command) && argv.includes(record.sessionId);
  return launched ? 'ours' : 'pid_reused';
}

function readRecords(path: string): PidRecord[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return Array.isArray(parsed) ? parsed.filter(isRecord) : [];
  } catch {
    return [];
  }
}

function isRecord(value: unknown): value is PidRecord {
  const record = value as Partial<PidRecord> | null;
  return typeof record === 'object' && record !== null && Number.isInteger(record.pid) && (record.pid ?? 0) > 1
    && typeof record.command === 'string' && typeof record.sessionId === 'string'
    && (record.startTime === undefined || record.startTime === null || Number.isInteger(record.startTime))
    && (record.owner === undefined || isProcessIdentity(record.owner));
}
