/**
 * Helpers for the agent runner tests: a runner config pointing at the fake claude with small real
 * timeouts, event collection, and the OS-level check that no process we started is left running.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';
import type { Config } from '../../src/config/index.js';
import { groupMembers, type AgentEvent, type AgentLaunchOptions, type AgentProcess, type AgentRunnerConfig } from '../../src/agent/index.js';
import { readStat } from '../../src/agent/process-group.js';

/** The fake claude executable. */
export const FAKE_CLAUDE = fileURLToPath(new URL('../fixtures/fake-claude/fake-claude.mjs', import.meta.url));

/** Small timeouts for tests (ms). */
export const TEST_AGENT: Config['agent'] = {
  command: FAKE_CLAUDE,
  args: [],
  start_timeout: 2_000,
  turn_timeout: 5_000,
  stall_timeout: 1_000,
  kill_grace: 200,
  interrupt_grace: 1_000,
  approval_timeout: 60_000,
  partial_messages: false,
  max_queued_messages: 10,
  max_processes: 0,
  memory_budget: 0,
  process_memory_estimate: 64 * 1024 * 1024,
  memory_check_interval: 10_000,
  data_dir: 'unused',
};

/** A temporary directory tree for one test, removed by `cleanup`. */
export function tempRoot(): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'aicli-agent-'));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A runner config using the fake claude under `root`, with `agent` overrides. */
export function runnerConfig(root: string, agent: Partial<Config['agent']> = {}, extra: Partial<AgentRunnerConfig> = {}): AgentRunnerConfig {
  return { agent: { ...TEST_AGENT, ...agent }, tenantsRoot: join(root, 'tenants'), ...extra };
}

/** Launch options for a new conversation of `tenantId`. */
export function newConversation(tenantId = 'acme', extra: Partial<AgentLaunchOptions> = {}): AgentLaunchOptions {
  return { tenantId, conversation: { mode: 'new', sessionId: randomUUID() }, ...extra };
}

/** Records every event of `agent`; `next` waits for the first (not yet consumed) event matching `predicate`. */
export function collect(agent: AgentProcess): { events: AgentEvent[]; next: <K extends AgentEvent['kind']>(kind: K, predicate?: (event: Extract<AgentEvent, { kind: K }>) => boolean, timeoutMs?: number) => Promise<Extract<AgentEvent, { kind: K }>> } {
  const events: AgentEvent[] = [];
  const waiters = new Set<() => void>();
  agent.on((event) => {
    events.push(event);
    for (const wake of [...waiters]) wake();
  });
  const consumed = new Set<AgentEvent>();
  const next = <K extends AgentEvent['kind']>(kind: K, predicate: (event: Extract<AgentEvent, { kind: K }>) => boolean = () => true, timeoutMs = 5_000) =>
    new Promise<Extract<AgentEvent, { kind: K }>>((resolve, reject) => {
      const check = (): boolean => {
        const found = events.find((event): event is Extract<AgentEvent, { kind: K }> => event.kind === kind && !consumed.has(event) && predicate(event as Extract<AgentEvent, { kind: K }>));
        if (found === undefined) return false;
        consumed.add(found);
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${kind} event within ${timeoutMs} ms; saw: ${events.map((event) => event.kind).join(', ')}`));
      }, timeoutMs);
      const wake = (): void => void check();
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(wake);
      };
      waiters.add(wake);
      check();
    });
  return { events, next };
}

/** Live processes in `pgids` or children of this test process: must be empty after every test. */
export function leftoverProcesses(pgids: readonly number[]): number[] {
  const inGroups = pgids.flatMap((pgid) => groupMembers(pgid));
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      const stat = readStat(pid);
      return stat !== undefined && stat.ppid === process.pid && stat.state !== 'Z';
    });
  return [...new Set([...inGroups, ...children])];
}

/** Waits until `condition()` holds or `timeoutMs` passes. */
export async function eventually(condition: () => boolean, timeoutMs = 2_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/**
 * Per-test bookkeeping for tests that start agents: registers an `afterEach` that kills every tracked
 * agent, asserts from the OS that none of their process groups (nor any child of ours) is left, and
 * removes the temporary directories.
 */
export function useAgentHarness(): {
  track: (agent: AgentProcess) => AgentProcess;
  root: () => string;
  config: (agent?: Partial<Config['agent']>, extra?: Partial<AgentRunnerConfig>) => AgentRunnerConfig;
} {
  const pgids: number[] = [];
  const cleanups: Array<() => void> = [];
  const agents: AgentProcess[] = [];
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.kill()));
    const leftovers = leftoverProcesses(pgids.splice(0));
    for (const cleanup of cleanups.splice(0)) cleanup();
    expect(leftovers).toEqual([]);
  });
  const root = (): string => {
    const temp = tempRoot();
    cleanups.push(temp.cleanup);
    return temp.root;
  };
  return {
    track: (agent) => {
      agents.push(agent);
      pgids.push(agent.pid);
      return agent;
    },
    root,
    config: (agent = {}, extra = {}) => runnerConfig(root(), agent, extra),
  };
}
