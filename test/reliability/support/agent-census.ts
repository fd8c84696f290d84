/**
 * Which fake-claude processes of a scenario are alive, from `/proc` (not from the server's bookkeeping): those
 * whose command line runs the fixture and that belong to the scenario, because their working directory is under
 * its `agent.data_dir` or their command line names one of its sessions. Other tests may run fake claudes at the
 * same time; they are not counted.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { readCmdline, readStat } from '../../../src/agent/process-group.js';
import { FAKE_CLAUDE_COMMAND } from '../../../src/config/index.js';

/** One live agent process. */
export interface AgentProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly cmdline: readonly string[];
}

/** The live (non-zombie) fake-claude processes of the scenario whose agents live in `dataDir`. */
export function scenarioAgents(dataDir: string, sessionIds: Iterable<string> = []): AgentProcess[] {
  const ids = new Set(sessionIds);
  const found: AgentProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const cmdline = readCmdline(pid);
    if (cmdline === undefined || !cmdline.includes(FAKE_CLAUDE_COMMAND)) continue;
    const stat = readStat(pid);
    if (stat === undefined || stat.state === 'Z') continue;
    if (cwdOf(pid)?.startsWith(dataDir) === true || cmdline.some((arg) => ids.has(arg))) found.push({ pid, ppid: stat.ppid, cmdline });
  }
  return found;
}

function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/**
 * SIGKILLs what {@link scenarioAgents} finds: the clean-up after a scenario that ended early, so a broken run
 * does not leave processes on the machine. Returns the PIDs signalled.
 */
export function killScenarioAgents(dataDir: string): number[] {
  const killed: number[] = [];
  for (const agent of scenarioAgents(dataDir)) {
    try {
      process.kill(agent.pid, 'SIGKILL');
      killed.push(agent.pid);
    } catch {
      // already gone
    }
  }
  return killed;
}
