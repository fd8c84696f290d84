/**
 * A small JSON file (`<stateDir>/agent-pids.json`, replaced atomically by write-then-rename) listing the
 * agent processes this server started, so that after a crash of the server a new instance can reap the
 * orphans it left behind. A PID is only killed when `/proc/<pid>/cmdline` still shows our command and
 * session id: PIDs get reused.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import type { AgentError } from './errors.js';
import { groupMembers, readCmdline, signalGroup } from './process-group.js';
import { waitFor } from './wait.js';

/** One process we started; `pid` is also its process group id (spawned detached). */
export interface PidRecord {
  readonly pid: number;
  readonly command: string;
  readonly sessionId: string;
  readonly tenantId: string;
  readonly startedAt: number;
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
    entries: PidRecord[],
  ) {
    this.entries = entries;
  }

  /** Opens (creating the directory) the registry in `stateDir`; a missing or corrupt file reads as empty. */
  static open(stateDir: string): Result<PidRegistry, AgentError> {
    const path = join(stateDir, FILE);
    try {
      mkdirSync(stateDir, { recursive: true });
    } catch (cause) {
      return err({ kind: 'RegistryFailed', path, reason: String(cause) });
    }
    return ok(new PidRegistry(path, readRecords(path)));
  }

  /** The recorded processes. */
  records(): readonly PidRecord[] {
    return this.entries;
  }

  /** Records a started process. */
  add(record: PidRecord): Result<void, AgentError> {
    this.entries = [...this.entries.filter((entry) => entry.pid !== record.pid), record];
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
   * still ours, then empties the registry. A group whose leader is gone but whose members live is ours
   * too: Linux does not reuse a PID while it names a live process group.
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
  const argv = readCmdline(record.pid);
  if (argv === undefined) return groupMembers(record.pid).length > 0 ? 'ours' : 'gone';
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
    && typeof record.command === 'string' && typeof record.sessionId === 'string';
}
