/**
 * What to start: `AgentLaunchOptions` (one session's process) and the pure translation of those options
 * plus `config.agent.args` into the argument vector and environment of `claude -p --input-format
 * stream-json --output-format stream-json --verbose`.
 */
import { err, ok, type Result } from 'neverthrow';
import type { AgentError } from './errors.js';
import { AGENT_ENV, CLI_FLAG } from './protocol.js';
import type { TenantDirs } from './tenant.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A new conversation with the id we choose, an existing one brought back, or (`fork`) a new conversation under
 * `sessionId` that starts with conversation `parentSessionId` up to and including its message `atMessageUuid`
 * (`--resume <parent> --resume-session-at <uuid> --fork-session --session-id <id>`; the parent's transcript is
 * left as it was).
 */
export type AgentConversation =
  | { readonly mode: 'new'; readonly sessionId: string }
  | { readonly mode: 'resume'; readonly sessionId: string }
  | { readonly mode: 'fork'; readonly sessionId: string; readonly parentSessionId: string; readonly atMessageUuid: string };

/** How to start one session's agent process. */
export interface AgentLaunchOptions {
  readonly tenantId: string;
  readonly conversation: AgentConversation;
  /** Working directory relative to the tenant's work root; must stay the same across `--resume`. */
  readonly workdir?: string;
  readonly model?: string;
  readonly permissionMode?: string;
  readonly allowedTools?: readonly string[];
  readonly systemPrompt?: string;
  readonly appendSystemPrompt?: string;
  readonly includePartialMessages?: boolean;
  /** Ask for tool permissions on stdio (`--permission-prompt-tool stdio`): `can_use_tool` control requests. */
  readonly permissionPrompt?: boolean;
  /** `--max-budget-usd`: the most the process may spend in all (its tenant's remaining budget when it starts). */
  readonly maxBudgetUsd?: number;
  /** Arguments after everything else (after `config.agent.args`). */
  readonly extraArgs?: readonly string[];
  /** Extra environment (e.g. `ANTHROPIC_BASE_URL`); cannot override the tenant's `HOME`/`CLAUDE_CONFIG_DIR`. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Checks the options that the CLI would reject late or unclearly. */
export function validateLaunchOptions(options: AgentLaunchOptions): Result<AgentLaunchOptions, AgentError> {
  const { conversation } = options;
  if (!UUID.test(conversation.sessionId)) {
    return err({ kind: 'InvalidLaunchOptions', reason: `session id "${conversation.sessionId}" is not a UUID` });
  }
  if (conversation.mode === 'fork' && !UUID.test(conversation.parentSessionId)) {
    return err({ kind: 'InvalidLaunchOptions', reason: `parent session id "${conversation.parentSessionId}" is not a UUID` });
  }
  if (conversation.mode === 'fork' && !UUID.test(conversation.atMessageUuid)) {
    return err({ kind: 'InvalidLaunchOptions', reason: `message uuid "${conversation.atMessageUuid}" is not a UUID` });
  }
  return ok(options);
}

/** The argument vector (without the command) for `options`, with `configArgs` from `config.agent.args`. */
export function buildAgentArgs(options: AgentLaunchOptions, configArgs: readonly string[]): string[] {
  const { conversation } = options;
  const args: string[] = [
    CLI_FLAG.PRINT,
    CLI_FLAG.INPUT_FORMAT,
    CLI_FLAG.STREAM_JSON,
    CLI_FLAG.OUTPUT_FORMAT,
    CLI_FLAG.STREAM_JSON,
    CLI_FLAG.VERBOSE,
    ...conversationArgs(conversation),
  ];
  const optional: Array<[string, string | undefined]> = [
    [CLI_FLAG.MODEL, options.model],
    [CLI_FLAG.PERMISSION_MODE, options.permissionMode],
    [CLI_FLAG.SYSTEM_PROMPT, options.systemPrompt],
    [CLI_FLAG.APPEND_SYSTEM_PROMPT, options.appendSystemPrompt],
    [CLI_FLAG.ALLOWED_TOOLS, options.allowedTools && options.allowedTools.length > 0 ? options.allowedTools.join(',') : undefined],
  ];
  for (const [flag, value] of optional) if (value !== undefined) args.push(flag, value);
  if (options.includePartialMessages === true) args.push(CLI_FLAG.INCLUDE_PARTIAL_MESSAGES);
  if (options.permissionPrompt === true) args.push(CLI_FLAG.PERMISSION_PROMPT_TOOL, CLI_FLAG.STDIO);
  if (options.maxBudgetUsd !== undefined) args.push(CLI_FLAG.MAX_BUDGET_USD, String(options.maxBudgetUsd));
  return [...args, ...configArgs, ...(options.extraArgs ?? [])];
}

/** The flags that name the conversation. */
function conversationArgs(conversation: AgentConversation): string[] {
  switch (conversation.mode) {
    case 'new':
      return [CLI_FLAG.SESSION_ID, conversation.sessionId];
    case 'resume':
      return [CLI_FLAG.RESUME, conversation.sessionId];
    case 'fork':
      return [
        CLI_FLAG.RESUME,
        conversation.parentSessionId,
        CLI_FLAG.RESUME_SESSION_AT,
        conversation.atMessageUuid,
        CLI_FLAG.FORK_SESSION,
        CLI_FLAG.SESSION_ID,
        conversation.sessionId,
      ];
  }
}

/** The environment: `baseEnv`, then `options.env`, then the tenant's `HOME` and `CLAUDE_CONFIG_DIR`. */
export function buildAgentEnv(
  options: AgentLaunchOptions,
  dirs: TenantDirs,
  baseEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...baseEnv, ...options.env })) if (value !== undefined) env[key] = value;
  env[AGENT_ENV.CONFIG_DIR] = dirs.configDir;
  env[AGENT_ENV.HOME] = dirs.configDir;
  return env;
}
