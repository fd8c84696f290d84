/**
 * Parsing one stream-json stdout line into a typed `LineEvent`. A line that is not a JSON object with a
 * string `type` is a `ProtocolErrorEvent` value, never an exception; a well-formed line of a type the
 * runner does not know is an `unknown` event.
 */
import { AGENT_EVENT, type AgentUsage, type ContentBlock, type LineEvent, type ProtocolErrorEvent } from './events.js';
import { asObject, num, str, strings, type JsonObject } from './json-fields.js';
import { CLI_REQUEST_SUBTYPE, CONTROL_RESPONSE_SUBTYPE, LINE_TYPE, RESULT_SUBTYPE, SYSTEM_SUBTYPE } from './protocol.js';

const EXCERPT_CHARS = 200;

/** Parses `line` (without its newline). */
export function parseLine(line: string): LineEvent | ProtocolErrorEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return protocolError('invalid_json', line);
  }
  const obj = asObject(parsed);
  if (obj === undefined) return protocolError('not_an_object', line);
  const type = str(obj, 'type');
  if (type === undefined) return protocolError('missing_type', line);
  return parseObject(type, obj);
}

/** A protocol error for `line`, keeping only an excerpt of it. */
export function protocolError(reason: ProtocolErrorEvent['reason'], line: string): ProtocolErrorEvent {
  return { kind: AGENT_EVENT.PROTOCOL_ERROR, reason, excerpt: line.slice(0, EXCERPT_CHARS) };
}

function parseObject(type: string, obj: JsonObject): LineEvent {
  switch (type) {
    case LINE_TYPE.SYSTEM:
      return parseSystem(obj);
    case LINE_TYPE.ASSISTANT: {
      const message = asObject(obj['message']);
      const content = contentBlocks(message?.['content']);
      const text = content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      return { kind: AGENT_EVENT.ASSISTANT, messageId: str(message, 'id'), uuid: str(obj, 'uuid'), content, text };
    }
    case LINE_TYPE.USER:
      return { kind: AGENT_EVENT.USER, content: contentBlocks(asObject(obj['message'])?.['content']) };
    case LINE_TYPE.STREAM_EVENT: {
      const event = asObject(obj['event']);
      return { kind: AGENT_EVENT.STREAM_EVENT, eventType: str(event, 'type') ?? '', textDelta: str(asObject(event?.['delta']), 'text') };
    }
    case LINE_TYPE.RESULT:
      return parseResult(obj);
    case LINE_TYPE.CONTROL_RESPONSE: {
      const response = asObject(obj['response']);
      return {
        kind: AGENT_EVENT.CONTROL_RESPONSE,
        requestId: str(response, 'request_id') ?? '',
        success: str(response, 'subtype') === CONTROL_RESPONSE_SUBTYPE.SUCCESS,
        error: str(response, 'error'),
      };
    }
    case LINE_TYPE.CONTROL_REQUEST: {
      const request = asObject(obj['request']);
      if (str(request, 'subtype') !== CLI_REQUEST_SUBTYPE.CAN_USE_TOOL) return { kind: AGENT_EVENT.UNKNOWN, type, raw: obj };
      const input = asObject(request?.['input']);
      const suggestions = request?.['permission_suggestions'];
      return {
        kind: AGENT_EVENT.PERMISSION_REQUEST,
        requestId: str(obj, 'request_id') ?? '',
        toolName: str(request, 'tool_name') ?? '',
        input: input === undefined ? {} : { ...input },
        toolUseId: str(request, 'tool_use_id') ?? null,
        suggestions: Array.isArray(suggestions) ? [...(suggestions as unknown[])] : [],
        reason: str(request, 'decision_reason') ?? str(request, 'blocked_path') ?? null,
      };
    }
    case LINE_TYPE.CONTROL_CANCEL_REQUEST:
      return { kind: AGENT_EVENT.PERMISSION_CANCELLED, requestId: str(obj, 'request_id') ?? '' };
    default:
      return { kind: AGENT_EVENT.UNKNOWN, type, raw: obj };
  }
}

function parseSystem(obj: JsonObject): LineEvent {
  const subtype = str(obj, 'subtype') ?? '';
  if (subtype === SYSTEM_SUBTYPE.INIT) {
    return {
      kind: AGENT_EVENT.INIT,
      sessionId: str(obj, 'session_id') ?? '',
      model: str(obj, 'model'),
      tools: strings(obj, 'tools'),
      cwd: str(obj, 'cwd'),
      permissionMode: str(obj, 'permissionMode'),
      version: str(obj, 'claude_code_version'),
    };
  }
  if (subtype === SYSTEM_SUBTYPE.API_RETRY) {
    const status = obj['error_status'];
    return {
      kind: AGENT_EVENT.API_RETRY,
      attempt: num(obj, 'attempt'),
      maxRetries: num(obj, 'max_retries'),
      retryDelayMs: num(obj, 'retry_delay_ms'),
      errorStatus: typeof status === 'number' ? status : null,
      error: str(obj, 'error') ?? 'unknown',
    };
  }
  return { kind: AGENT_EVENT.SYSTEM, subtype, raw: obj };
}

function parseResult(obj: JsonObject): LineEvent {
  const subtype = str(obj, 'subtype') ?? '';
  return {
    kind: AGENT_EVENT.RESULT,
    subtype,
    isError: obj['is_error'] === true || subtype.startsWith('error'),
    apiError: subtype === RESULT_SUBTYPE.SUCCESS && obj['is_error'] === true,
    apiErrorStatus: typeof obj['api_error_status'] === 'number' ? obj['api_error_status'] : null,
    result: str(obj, 'result'),
    usage: usageOf(asObject(obj['usage'])),
    costUsd: num(obj, 'total_cost_usd'),
    durationMs: num(obj, 'duration_ms'),
    numTurns: num(obj, 'num_turns'),
    errors: strings(obj, 'errors'),
    sessionId: str(obj, 'session_id'),
  };
}

function usageOf(usage: JsonObject | undefined): AgentUsage {
  return {
    inputTokens: num(usage, 'input_tokens'),
    outputTokens: num(usage, 'output_tokens'),
    cacheReadTokens: num(usage, 'cache_read_input_tokens'),
    cacheCreationTokens: num(usage, 'cache_creation_input_tokens'),
  };
}

function contentBlocks(content: unknown): ContentBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  return content.map((item): ContentBlock => {
    const block = asObject(item);
    const type = str(block, 'type') ?? '';
    switch (type) {
      case 'text':
        return { type, text: str(block, 'text') ?? '' };
      case 'tool_use':
        return { type, id: str(block, 'id') ?? '', name: str(block, 'name') ?? '', input: block?.['input'] };
      case 'tool_result':
        return { type, toolUseId: str(block, 'tool_use_id') ?? '', content: block?.['content'], isError: block?.['is_error'] === true };
      case 'thinking':
        return { type, thinking: str(block, 'thinking') ?? '' };
      default:
        return { type: 'other', blockType: type };
    }
  });
}
