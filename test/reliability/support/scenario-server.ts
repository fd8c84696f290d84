/**
 * The server under test for the reliability scenarios: `aicli-api` as a child process (see
 * test/support/server-process.ts) with the fake claude, over a SQLite file and an `agent.data_dir` that survive
 * restarts, so that a restart after `kill -9` runs on what the killed server left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from '../../support/server-process.js';

/** Where a scenario's servers keep their data. */
export interface ScenarioDirs {
  readonly root: string;
  readonly storeFile: string;
  readonly dataDir: string;
  /** Deletes the directory (keep it when a check failed: it holds the store to replay). */
  remove(): void;
}

/** A fresh temporary directory for one scenario. */
export function scenarioDirs(name: string): ScenarioDirs {
  const root = mkdtempSync(join(tmpdir(), `aicli-${name}-`));
  return { root, storeFile: join(root, 'events.db'), dataDir: join(root, 'agents'), remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** A running server of a scenario. */
export interface ScenarioServer {
  readonly process: ServerProcess;
  readonly pid: number;
  readonly url: string;
  readonly wsUrl: string;
}

/** Starts `aicli-api --agent=fake` over the scenario's store and data directory with `settings` (`key=value`). */
export async function startScenarioServer(dirs: ScenarioDirs, settings: readonly string[], env: Record<string, string> = {}): Promise<ScenarioServer> {
  const args = ['--store', `sqlite:${dirs.storeFile}`, ...settings.flatMap((setting) => ['--set', setting])];
  const server = await startServerProcess(args, { AICLI__AGENT__DATA_DIR: dirs.dataDir, ...env });
  return { process: server, pid: server.child.pid!, url: server.url, wsUrl: `${server.url.replace(/^http/, 'ws')}/api/v1/ws` };
}
