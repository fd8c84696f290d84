import { describe, expect, it } from 'vitest';
import { AGENT_EVENT } from './events.js';
import { permissionResponseLine } from './input.js';
import { parseLine } from './parse-line.js';

describe('parseLine', () => {
  it('parses the real CLI init and api_retry lines', () => {
    expect(parseLine('{"type":"system","subtype":"init","cwd":"/w","session_id":"s1","tools":["Bash",3],"model":"m","permissionMode":"default","claude_code_version":"2.1.197"}')).toEqual({
      kind: AGENT_EVENT.INIT, sessionId: 's1', model: 'm', tools: ['Bash'], cwd: '/w', permissionMode: 'default', version: '2.1.197',
    });
    expect(parseLine('{"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"retry_delay_ms":574.7,"error_status":null,"error":"unknown"}')).toEqual({
      kind: AGENT_EVENT.API_RETRY, attempt: 1, maxRetries: 10, retryDelayMs: 574.7, errorStatus: null, error: 'unknown',
    });
  });

  it('parses result lines, error ones with their errors array', () => {
    const event = parseLine('{"type":"result","subtype":"error_during_execution","is_error":true,"num_turns":0,"total_cost_usd":0,"usage":{"input_tokens":2,"output_tokens":3,"cache_read_input_tokens":4},"errors":["No conversation found with session ID: x"]}');
    expect(event).toMatchObject({ kind: AGENT_EVENT.RESULT, isError: true, errors: ['No conversation found with session ID: x'], usage: { inputTokens: 2, outputTokens: 3, cacheReadTokens: 4, cacheCreationTokens: 0 } });
  });

  it('tells a turn that ended in an API error (Claude Code 2.1.197, no network) from other error results', () => {
    const noNetwork = '{"type":"result","subtype":"success","is_error":true,"api_error_status":null,"duration_ms":125,"num_turns":1,"result":"API Error: Unable to connect to API (ConnectionRefused)","total_cost_usd":0}';
    expect(parseLine(noNetwork)).toMatchObject({ kind: AGENT_EVENT.RESULT, isError: true, apiError: true, apiErrorStatus: null, result: 'API Error: Unable to connect to API (ConnectionRefused)' });
    expect(parseLine('{"type":"result","subtype":"success","is_error":true,"api_error_status":529,"result":"API Error: 529 x"}')).toMatchObject({ apiError: true, apiErrorStatus: 529 });
    expect(parseLine('{"type":"result","subtype":"success","is_error":false,"api_error_status":null,"result":"hi"}')).toMatchObject({ isError: false, apiError: false, apiErrorStatus: null });
    expect(parseLine('{"type":"result","subtype":"error_during_execution","is_error":true,"errors":[]}')).toMatchObject({ isError: true, apiError: false });
  });

  it('parses assistant content blocks and user tool results', () => {
    expect(parseLine('{"type":"assistant","message":{"id":"m1","content":[{"type":"text","text":"a"},{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls"}},{"type":"text","text":"b"},{"type":"redacted_thinking"}]}}')).toMatchObject({
      kind: AGENT_EVENT.ASSISTANT, messageId: 'm1', text: 'ab', content: [{ type: 'text' }, { type: 'tool_use', name: 'Bash', input: { command: 'ls' } }, { type: 'text' }, { type: 'other', blockType: 'redacted_thinking' }],
    });
    // --resume-session-at takes the line's top-level uuid, not message.id.
    expect(parseLine('{"type":"assistant","message":{"id":"msg_1","content":[]},"uuid":"0b6c3a52-5d1e-4f61-9f41-0c1e6d2a7b33"}')).toMatchObject({ messageId: 'msg_1', uuid: '0b6c3a52-5d1e-4f61-9f41-0c1e6d2a7b33' });
    expect(parseLine('{"type":"assistant","message":{"id":"msg_1","content":[]}}')).toMatchObject({ uuid: undefined });
    expect(parseLine('{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":"ok","is_error":true}]}}')).toMatchObject({
      kind: AGENT_EVENT.USER, content: [{ type: 'tool_result', toolUseId: 't1', content: 'ok', isError: true }],
    });
  });

  it('turns unknown types into unknown events and malformed lines into protocol errors', () => {
    expect(parseLine('{"type":"rate_limit_event","x":1}')).toMatchObject({ kind: AGENT_EVENT.UNKNOWN, type: 'rate_limit_event' });
    expect(parseLine('{"type":"system","subtype":"hook_response"}')).toMatchObject({ kind: AGENT_EVENT.SYSTEM, subtype: 'hook_response' });
    expect(parseLine('not json')).toEqual({ kind: AGENT_EVENT.PROTOCOL_ERROR, reason: 'invalid_json', excerpt: 'not json' });
    expect(parseLine('[1,2]')).toMatchObject({ reason: 'not_an_object' });
    expect(parseLine('{"no":"type"}')).toMatchObject({ reason: 'missing_type' });
  });

  it('parses the CLI\'s tool permission requests (can_use_tool) and their withdrawal, as the Agent SDK reads them', () => {
    const line = '{"type":"control_request","request_id":"r1","request":{"subtype":"can_use_tool","tool_name":"Bash","input":{"command":"ls"},"permission_suggestions":[{"type":"addRules"}],"tool_use_id":"toolu_1","decision_reason":"asks"}}';
    expect(parseLine(line)).toEqual({ kind: AGENT_EVENT.PERMISSION_REQUEST, requestId: 'r1', toolName: 'Bash', input: { command: 'ls' }, toolUseId: 'toolu_1', suggestions: [{ type: 'addRules' }], reason: 'asks' });
    expect(parseLine('{"type":"control_request","request_id":"r2","request":{"subtype":"can_use_tool","tool_name":"Read","input":{}}}')).toMatchObject({ toolUseId: null, suggestions: [], reason: null });
    expect(parseLine('{"type":"control_request","request_id":"r3","request":{"subtype":"hook_callback"}}')).toMatchObject({ kind: AGENT_EVENT.UNKNOWN, type: 'control_request' });
    expect(parseLine('{"type":"control_cancel_request","request_id":"r1"}')).toEqual({ kind: AGENT_EVENT.PERMISSION_CANCELLED, requestId: 'r1' });
  });

  it('answers a permission request in the Agent SDK\'s control_response shape', () => {
    expect(JSON.parse(permissionResponseLine('r1', { behavior: 'allow', updatedInput: { command: 'ls' } }))).toEqual({
      type: 'control_response',
      response: { subtype: 'success', request_id: 'r1', response: { behavior: 'allow', updatedInput: { command: 'ls' } } },
    });
    expect(JSON.parse(permissionResponseLine('r2', { behavior: 'deny', message: 'no', interrupt: true })).response.response).toEqual({ behavior: 'deny', message: 'no', interrupt: true });
  });
});
