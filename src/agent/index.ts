/** The agent runner: spawning, talking to, watching and stopping Claude Code CLI processes. */
export { describeAgentCommandError, resolveAgentCommand, type AgentCommandError } from './command.js';
export { AgentProcess, type AgentTimeouts } from './agent-process.js';
export { createAgentRunner, type AgentRunner } from './agent-runner.js';
export { describeAgentError, isAgentError, type AgentError, type AgentErrorKind } from './errors.js';
export * from './events.js';
export { buildAgentArgs, buildAgentEnv, type AgentConversation, type AgentLaunchOptions } from './launch.js';
export { permissionResponseLine, type PermissionAnswer } from './input.js';
export { DEFAULT_AGENT_LIMITS, type AgentLimits } from './limits.js';
export { parseLine } from './parse-line.js';
export { PidRegistry, type PidRecord, type ReapReport } from './pid-registry.js';
export { groupMembers, readCmdline, readRss } from './process-group.js';
export { currentProcess, identifyProcess, isRunning, sameProcess, isProcessIdentity, type ProcessIdentity } from './process-identity.js';
export * from './protocol.js';
export { SessionInputMapper } from './session-input.js';
export { spawnAgent, startAgent, type AgentRunnerConfig } from './spawn-agent.js';
export { tenantDirs, type TenantDirs } from './tenant.js';
