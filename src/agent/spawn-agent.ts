/**
 * Starting an agent process: resolves `agent.command`, checks the launch options, prepares the tenant's
 * directories, spawns `claude` detached (its own process group, so stopping it stops everything it
 * started) and records it in the PID registry. The only place in aicli that spawns processes.
 */
import { spawn } from 'node:child_process';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { Config } from '../config/index.js';
import { AgentProcess } from './agent-process.js';
import { resolveAgentCommand } from './command.js';
import type { AgentError } from './errors.js';
import { buildAgentArgs, buildAgentEnv, validateLaunchOptions, type AgentLaunchOptions } from './launch.js';
import { DEFAULT_AGENT_LIMITS, type AgentLimits } from './limits.js';
import type { PidRegistry } from './pid-registry.js';
import { tenantDirs, tenantWorkdir } from './tenant.js';

/** What every agent process of one server shares. */
export interface AgentRunnerConfig {
  readonly agent: Config['agent'];
  /** Root of the per-tenant directories (`<root>/<tenant>/config`, `<root>/<tenant>/work`). */
  readonly tenantsRoot: string;
  /** Where started processes are recorded for orphan reaping; none in tests that do not need it. */
  readonly registry?: PidRegistry;
  /** PATH used to find `agent.command`; defaults to this process's. */
  readonly pathVariable?: string;
  /** Environment the agent inherits (before tenant overrides); defaults to this process's. */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
  readonly limits?: Partial<AgentLimits>;
  /** Sees every raw stdout line of every agent (protocol recording, diagnostics). */
  readonly tap?: (line: string, pid: number) => void;
}

/**
 * Spawns the agent for `options` and resolves once the OS has started it (its `pid` is known). Wait
 * for `process.ready()` before sending a turn, or use `startAgent` to do both.
 *
 * @example
 * const agent = await spawnAgent(runner, { tenantId: 'acme', conversation: { mode: 'new', sessionId: randomUUID() } });
 */
export function spawnAgent(config: AgentRunnerConfig, options: AgentLaunchOptions): ResultAsync<AgentProcess, AgentError> {
  const command = resolveAgentCommand(config.agent.command, config.pathVariable ?? process.env['PATH']);
  if (command.isErr()) return errAsync(command.error);
  const prepared = validateLaunchOptions(options).andThen(() =>
    tenantDirs(config.tenantsRoot, options.tenantId).andThen((dirs) => tenantWorkdir(dirs, options.workdir).map((cwd) => ({ dirs, cwd }))),
  );
  if (prepared.isErr()) return errAsync(prepared.error);
  const { dirs, cwd } = prepared.value;
  const executable = command.value;
  const child = spawn(executable, buildAgentArgs(options, config.agent.args), {
    cwd,
    env: buildAgentEnv(options, dirs, config.baseEnv ?? process.env),
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const started = new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? -1));
    child.once('error', (error) => reject(error));
  });
  return ResultAsync.fromPromise(started, (cause): AgentError => ({ kind: 'SpawnFailed', command: executable, reason: String(cause) })).andThen((pid) => {
    const sessionId = options.conversation.sessionId;
    const registered = config.registry?.add({ pid, command: executable, sessionId, tenantId: options.tenantId, startedAt: Date.now() });
    if (registered?.isErr()) {
      process.kill(-pid, 'SIGKILL');
      return errAsync(registered.error);
    }
    return okAsync(
      new AgentProcess(child, pid, {
        sessionId,
        resuming: options.conversation.mode !== 'new',
        timeouts: config.agent,
        limits: { ...DEFAULT_AGENT_LIMITS, ...config.limits },
        onExit: (exitedPid) => void config.registry?.remove(exitedPid),
        ...(config.tap === undefined ? {} : { tap: config.tap }),
      }),
    );
  });
}

/** Spawns the agent and waits until it accepts input; a failed start leaves no process behind. */
export function startAgent(config: AgentRunnerConfig, options: AgentLaunchOptions): ResultAsync<AgentProcess, AgentError> {
  return spawnAgent(config, options).andThen((agent) =>
    new ResultAsync(agent.ready()).map(() => agent).orElse((error) => ResultAsync.fromSafePromise(agent.kill()).andThen(() => errAsync(error))),
  );
}
