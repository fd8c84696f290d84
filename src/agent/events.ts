/**
 * The typed events an agent process produces: parsed stdout lines (`init`, `assistant`, `user`,
 * `stream_event`, `result`, `api_retry`, `control_response`, other `system` lines, `unknown`), protocol
 * errors for lines that are not valid stream-json, and the runner's own lifecycle events (`spawned`,
 * `ready`, `turn_timeout`, `fault`, `exited`). One discriminated union on `kind`.
 */
import type { FaultKind } from '../../machines/session.events.js';

/** `kind` of every agent event; import these, never retype them. */
export const AGENT_EVENT = {
  SPAWNED: 'spawned',
  READY: 'ready',
  INIT: 'init',
  ASSISTANT: 'assistant',
  USER: 'user',
  STREAM_EVENT: 'stream_event',
  RESULT: 'result',
  API_RETRY: 'api_retry',
  CONTROL_RESPONSE: 'control_response',
  PERMISSION_REQUEST: 'permission_request',
  PERMISSION_CANCELLED: 'permission_cancelled',
  SYSTEM: 'system',
  UNKNOWN: 'unknown',
  PROTOCOL_ERROR: 'protocol_error',
  TURN_TIMEOUT: 'turn_timeout',
  FAULT: 'fault',
  EXITED: 'exited',
} as const;

/** Token counts as the result line reports them (`usage`), zero when absent. */
export interface AgentUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheCreationTokens: number;
}

/** One content block of an assistant or user message; unknown block types keep their `type` only. */
export type ContentBlock =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: unknown }
  | { readonly type: 'tool_result'; readonly toolUseId: string; readonly content: unknown; readonly isError: boolean }
  | { readonly type: 'thinking'; readonly thinking: string }
  | { readonly type: 'other'; readonly blockType: string };

/** How a process ended: exit code or signal, whether the runner asked for it, and the tail of stderr. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly requested: boolean;
  readonly stderrTail: string;
}

/** The process exists. */
export interface SpawnedEvent { readonly kind: typeof AGENT_EVENT.SPAWNED; readonly pid: number }
/**
 * The process accepts input: its `initialize` control request was answered (or its init line arrived
 * first). The CLI prints `system/init` only once the first user message arrives, so this, not `init`, is
 * what a supervisor waits for before sending.
 */
export interface ReadyEvent { readonly kind: typeof AGENT_EVENT.READY; readonly sessionId: string }
/** The `system/init` line. */
export interface InitEvent {
  readonly kind: typeof AGENT_EVENT.INIT;
  readonly sessionId: string;
  readonly model: string | undefined;
  readonly tools: readonly string[];
  readonly cwd: string | undefined;
  readonly permissionMode: string | undefined;
  readonly version: string | undefined;
}
/** A complete assistant message. */
export interface AssistantEvent {
  readonly kind: typeof AGENT_EVENT.ASSISTANT;
  readonly messageId: string | undefined;
  /** The line's top-level `uuid`: the transcript entry's id, what `--resume-session-at` takes (not `messageId`). */
  readonly uuid: string | undefined;
  readonly content: readonly ContentBlock[];
  readonly text: string;
}
/** A user line: tool results, or the CLI's echo of an interrupt. */
export interface UserEvent { readonly kind: typeof AGENT_EVENT.USER; readonly content: readonly ContentBlock[] }
/** A partial-message delta (`--include-partial-messages`); `textDelta` when it carries text. */
export interface StreamDeltaEvent {
  readonly kind: typeof AGENT_EVENT.STREAM_EVENT;
  readonly eventType: string;
  readonly textDelta: string | undefined;
}
/** The end of a turn. `costUsd` is `total_cost_usd` as printed: cumulative for the process, not per turn. */
export interface ResultEvent {
  readonly kind: typeof AGENT_EVENT.RESULT;
  readonly subtype: string;
  readonly isError: boolean;
  /**
   * The turn ended because the API failed (after the CLI's own retries): the CLI then prints `subtype: "success"`
   * with `is_error: true` (its result text is the synthetic `API Error: …` message). Interrupts and other errors
   * use other subtypes.
   */
  readonly apiError: boolean;
  /** `api_error_status` of such a result: the HTTP status, or `null` when there was no answer (no network). */
  readonly apiErrorStatus: number | null;
  readonly result: string | undefined;
  readonly usage: AgentUsage;
  readonly costUsd: number;
  readonly durationMs: number;
  readonly numTurns: number;
  readonly errors: readonly string[];
  readonly sessionId: string | undefined;
}
/** The CLI is retrying an API call: the signal a circuit breaker counts. */
export interface ApiRetryEvent {
  readonly kind: typeof AGENT_EVENT.API_RETRY;
  readonly attempt: number;
  readonly maxRetries: number;
  readonly retryDelayMs: number;
  readonly errorStatus: number | null;
  readonly error: string;
}
/** The answer to a control request the runner wrote. */
export interface ControlResponseEvent {
  readonly kind: typeof AGENT_EVENT.CONTROL_RESPONSE;
  readonly requestId: string;
  readonly success: boolean;
  readonly error: string | undefined;
}
/**
 * The CLI asks whether it may use a tool (`control_request`, subtype `can_use_tool`) and waits for the answer
 * (`answerPermission`). Fields as the Agent SDK reads them: `tool_name`, `input`, `tool_use_id`,
 * `permission_suggestions`, `decision_reason` / `blocked_path`.
 */
export interface PermissionRequestEvent {
  readonly kind: typeof AGENT_EVENT.PERMISSION_REQUEST;
  readonly requestId: string;
  readonly toolName: string;
  readonly input: Record<string, unknown>;
  readonly toolUseId: string | null;
  readonly suggestions: unknown[];
  readonly reason: string | null;
}
/** The CLI withdrew request `requestId` (`control_cancel_request`): no answer is expected any more. */
export interface PermissionCancelledEvent { readonly kind: typeof AGENT_EVENT.PERMISSION_CANCELLED; readonly requestId: string }
/** A `system` line of a subtype the runner does not interpret. */
export interface SystemEvent { readonly kind: typeof AGENT_EVENT.SYSTEM; readonly subtype: string; readonly raw: Record<string, unknown> }
/** A JSON line of a type the runner does not know: kept, never an error. */
export interface UnknownEvent { readonly kind: typeof AGENT_EVENT.UNKNOWN; readonly type: string; readonly raw: Record<string, unknown> }
/** A line that is not stream-json (or a line over the length cap); `excerpt` is its first bytes. */
export interface ProtocolErrorEvent {
  readonly kind: typeof AGENT_EVENT.PROTOCOL_ERROR;
  readonly reason: 'invalid_json' | 'not_an_object' | 'missing_type' | 'line_too_long';
  readonly excerpt: string;
}
/** A turn ran past `turn_timeout`; the runner has sent an interrupt. */
export interface TurnTimeoutEvent { readonly kind: typeof AGENT_EVENT.TURN_TIMEOUT; readonly elapsedMs: number }
/** The process misbehaved; maps onto the session machine's `AGENT_FAULT`. */
export interface FaultEvent {
  readonly kind: typeof AGENT_EVENT.FAULT;
  readonly fault: FaultKind;
  readonly exitCode?: number | null;
  readonly signal?: NodeJS.Signals | null;
  readonly detail: string;
}
/** The process is gone (always the last event). */
export interface ExitedEvent { readonly kind: typeof AGENT_EVENT.EXITED; readonly exit: ExitInfo }

/** Events parsed from one stdout line. */
export type LineEvent =
  | InitEvent
  | AssistantEvent
  | UserEvent
  | StreamDeltaEvent
  | ResultEvent
  | ApiRetryEvent
  | ControlResponseEvent
  | PermissionRequestEvent
  | PermissionCancelledEvent
  | SystemEvent
  | UnknownEvent;

/** Every event an agent process emits. */
export type AgentEvent = SpawnedEvent | ReadyEvent | LineEvent | ProtocolErrorEvent | TurnTimeoutEvent | FaultEvent | ExitedEvent;

/** A listener of agent events. */
export type AgentEventListener = (event: AgentEvent) => void;
