/**
 * The agent runner as one object per server: the shared configuration bound once, spawning and starting
 * processes, and reaping the orphans a previous server instance left in the PID registry (call it once
 * at start-up, before spawning anything).
 */
import { okAsync, type ResultAsync } from 'neverthrow';
import type { AgentProcess } from './agent-process.js';
import type { AgentError } from './errors.js';
import type { AgentLaunchOptions } from './launch.js';
import type { ReapReport } from './pid-registry.js';
import { spawnAgent, startAgent, type AgentRunnerConfig } from './spawn-agent.js';

/** Spawns agents with one configuration. */
export interface AgentRunner {
  readonly config: AgentRunnerConfig;
  /** `spawnAgent` with this runner's configuration. */
  spawn(options: AgentLaunchOptions): ResultAsync<AgentProcess, AgentError>;
  /** `startAgent` with this runner's configuration. */
  start(options: AgentLaunchOptions): ResultAsync<AgentProcess, AgentError>;
  /** Kills what the registry lists from a previous run (SIGTERM, SIGKILL after `kill_grace`). */
  reapOrphans(): ResultAsync<ReapReport, AgentError>;
}

/** Binds `config` into an `AgentRunner`. */
export function createAgentRunner(config: AgentRunnerConfig): AgentRunner {
  return {
    config,
    spawn: (options) => spawnAgent(config, options),
    start: (options) => startAgent(config, options),
    reapOrphans: () => config.registry?.reapOrphans(config.agent.kill_grace) ?? okAsync({ killed: [], skipped: [] }),
  };
}
