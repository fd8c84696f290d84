/**
 * What the pool needs from an agent process, as an interface: the runner's `AgentProcess` satisfies it, and so
 * can an in-process stand-in (benchmarks measure the pool's own cost without thousands of child processes).
 */
import type { Result, ResultAsync } from 'neverthrow';
import type { AgentError, AgentEventListener, PermissionAnswer, AgentLaunchOptions, ExitInfo, ReadyEvent, ReapReport } from '../../agent/index.js';

/** One running agent as the pool drives it. */
export interface AgentHandle {
  /** Process id (also its process group id). */
  readonly pid: number;
  /** The Claude session id the process was started with (`--session-id` or `--resume`). */
  readonly sessionId: string;
  readonly running: boolean;
  readonly busy: boolean;
  readonly exited: Promise<ExitInfo>;
  ready(): Promise<Result<ReadyEvent, AgentError>>;
  on(listener: AgentEventListener): () => void;
  send(text: string): Result<void, AgentError>;
  interrupt(): Result<string, AgentError>;
  /** Answers the CLI's tool permission request (`can_use_tool`). */
  answerPermission(requestId: string, answer: PermissionAnswer): Result<void, AgentError>;
  stop(): Promise<ExitInfo>;
  kill(): Promise<ExitInfo>;
}

/** Starts agents; `createAgentRunner(...)` is the production implementation. */
export interface AgentLauncher {
  spawn(options: AgentLaunchOptions): ResultAsync<AgentHandle, AgentError>;
  /** Kills what a previous server instance left running (call once, before spawning). */
  reapOrphans(): ResultAsync<ReapReport, AgentError>;
}
