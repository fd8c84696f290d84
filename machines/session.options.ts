/**
 * What a session is created with: the agent's options (plain data the runtime turns into CLI flags),
 * the session's time and size limits, and the machine input that carries both. Values are trusted
 * here: the config module validates them first.
 */
import type { ForkOrigin } from './session.fork.js';

/** Claude Code permission modes. */
export type PermissionMode = 'default' | 'acceptEdits' | 'bypassPermissions' | 'plan';

/** How the agent process is started (`--model`, working directory, `--permission-mode` ...). */
export interface AgentOptions {
  model: string | null;
  cwd: string;
  permissionMode: PermissionMode;
  allowedTools: string[];
  systemPrompt: string | null;
}

/** Time and size limits of one session (durations in milliseconds). */
export interface SessionLimits {
  /** Spawn plus init line, on first start and on resume from hibernation. */
  startTimeoutMs: number;
  /** Longest a turn may run before it is interrupted. */
  turnTimeoutMs: number;
  /** Longest silence from a busy agent before it counts as a stall fault. */
  stallTimeoutMs: number;
  /** How long an interrupted turn may take to report its result before it counts as a hang. */
  interruptGraceMs: number;
  /** Quiet time in ready/idle before the session hibernates; `null` never hibernates on its own. */
  idleTimeoutMs: number | null;
  /** How long one recovery attempt may take before it counts as failed. */
  recoveryTimeoutMs: number;
  /** Faults and failed recoveries in a row (no successful turn between) tolerated; one more fails the session. */
  maxConsecutiveFailures: number;
  /** Messages held while the agent is busy or starting; more are refused. */
  maxQueuedMessages: number;
  /** How long a tool approval waits for a human before the tool is denied. */
  approvalTimeoutMs: number;
}

/** Limits used for every key the input leaves out (aligned with `config/default.yaml`'s agent section). */
export const DEFAULT_SESSION_LIMITS: Readonly<SessionLimits> = Object.freeze({
  startTimeoutMs: 30_000,
  turnTimeoutMs: 600_000,
  stallTimeoutMs: 120_000,
  interruptGraceMs: 5_000,
  idleTimeoutMs: 900_000,
  recoveryTimeoutMs: 60_000,
  maxConsecutiveFailures: 3,
  maxQueuedMessages: 10,
  approvalTimeoutMs: 300_000,
});

/** What a tool approval rule does with a matching request. */
export type ApprovalAction = 'allow' | 'deny' | 'ask';

/**
 * One tool approval rule (plain data; `src/pool/approvals/` matches it): for tool `tool` (a name, or a glob such as
 * `mcp__*` or `*`), optionally only when the input's path matches `path` or its command matches `command` (globs; a
 * leading `!` negates; `{cwd}` is the session's working directory), do `action`. The first matching rule decides.
 */
export interface ApprovalRule {
  /** Named in every decision it makes; default `<tool>:<action>`. */
  name?: string;
  tool: string;
  path?: string;
  command?: string;
  action: ApprovalAction;
}

/** What `createActor(sessionMachine, { input })` takes; persisted as the stream's `SessionProvisioned`. */
export interface SessionInput {
  /** Our id, also the agent's `--session-id`. */
  sessionId: string;
  tenant: string;
  /** The user who owns the session; becomes its first participant. */
  owner: string;
  /** When the session was provisioned (epoch ms): the start deadline counts from here. */
  at: number;
  options: AgentOptions;
  limits?: Partial<SessionLimits>;
  /** Whether users of the tenant may join on their own (`share`); absent: only by invitation. */
  shareable?: boolean;
  /** The session this one was forked from, at which revision, and the conversation its agent starts with. */
  forkedFrom?: ForkOrigin;
  /** This session's own tool approval rules, tried before the tenant's (docs/approvals.md). */
  approvalRules?: ApprovalRule[];
}
