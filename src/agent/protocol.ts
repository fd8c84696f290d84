/**
 * The strings of Claude Code's stream-json protocol (`claude -p --input-format stream-json
 * --output-format stream-json --verbose`), verified against CLI 2.1.197. Import these; never retype them.
 */

/** Top-level `type` of a stdout line. */
export const LINE_TYPE = {
  SYSTEM: 'system',
  ASSISTANT: 'assistant',
  USER: 'user',
  STREAM_EVENT: 'stream_event',
  RESULT: 'result',
  CONTROL_REQUEST: 'control_request',
  CONTROL_RESPONSE: 'control_response',
  /** The CLI withdraws a control request it sent (e.g. a tool permission request, on interrupt). */
  CONTROL_CANCEL_REQUEST: 'control_cancel_request',
} as const;

/** `request.subtype` of a `control_request` line the CLI writes to stdout (with `--permission-prompt-tool stdio`). */
export const CLI_REQUEST_SUBTYPE = {
  CAN_USE_TOOL: 'can_use_tool',
} as const;

/** `subtype` of a `system` line that the runner understands. */
export const SYSTEM_SUBTYPE = {
  INIT: 'init',
  API_RETRY: 'api_retry',
} as const;

/** `subtype` of a `result` line; anything else starting with `error` is an error too. */
export const RESULT_SUBTYPE = {
  SUCCESS: 'success',
  ERROR_DURING_EXECUTION: 'error_during_execution',
  ERROR_MAX_TURNS: 'error_max_turns',
  /** The process's `total_cost_usd` reached `--max-budget-usd`: every later turn of the process ends the same way. */
  ERROR_MAX_BUDGET_USD: 'error_max_budget_usd',
} as const;

/** `request.subtype` of a `control_request` line written to stdin. */
export const CONTROL_SUBTYPE = {
  INITIALIZE: 'initialize',
  INTERRUPT: 'interrupt',
} as const;

/** `response.subtype` of a `control_response` line. */
export const CONTROL_RESPONSE_SUBTYPE = {
  SUCCESS: 'success',
  ERROR: 'error',
} as const;

/** The command-line flags the runner passes. */
export const CLI_FLAG = {
  PRINT: '-p',
  INPUT_FORMAT: '--input-format',
  OUTPUT_FORMAT: '--output-format',
  STREAM_JSON: 'stream-json',
  VERBOSE: '--verbose',
  SESSION_ID: '--session-id',
  RESUME: '--resume',
  RESUME_SESSION_AT: '--resume-session-at',
  FORK_SESSION: '--fork-session',
  MODEL: '--model',
  PERMISSION_MODE: '--permission-mode',
  ALLOWED_TOOLS: '--allowedTools',
  SYSTEM_PROMPT: '--system-prompt',
  APPEND_SYSTEM_PROMPT: '--append-system-prompt',
  INCLUDE_PARTIAL_MESSAGES: '--include-partial-messages',
  /** With `stdio`: tool permission requests come as `can_use_tool` control requests on stdout (the Agent SDK's `canUseTool`). */
  PERMISSION_PROMPT_TOOL: '--permission-prompt-tool',
  STDIO: 'stdio',
  /** What the process may spend in all, in USD (print mode only): past it a turn ends with `error_max_budget_usd`. */
  MAX_BUDGET_USD: '--max-budget-usd',
} as const;

/** Environment variables the runner sets to keep each tenant's transcripts apart. */
export const AGENT_ENV = {
  CONFIG_DIR: 'CLAUDE_CONFIG_DIR',
  HOME: 'HOME',
} as const;
