/**
 * The lines the runner writes to the agent's stdin, as Claude Code's stream-json input accepts them
 * (verified with CLI 2.1.197): a user turn `{"type":"user","message":{"role":"user","content":…}}` and
 * control requests `{"type":"control_request","request_id":…,"request":{"subtype":…}}`.
 */
import { CONTROL_RESPONSE_SUBTYPE, CONTROL_SUBTYPE, LINE_TYPE } from './protocol.js';

/** One user turn as a JSON line. */
export function userMessageLine(text: string): string {
  return `${JSON.stringify({ type: LINE_TYPE.USER, message: { role: 'user', content: text } })}\n`;
}

/** A control request (`initialize`, `interrupt`) as a JSON line. */
export function controlRequestLine(requestId: string, subtype: (typeof CONTROL_SUBTYPE)[keyof typeof CONTROL_SUBTYPE]): string {
  return `${JSON.stringify({ type: LINE_TYPE.CONTROL_REQUEST, request_id: requestId, request: { subtype } })}\n`;
}

/** Our answer to the CLI's `can_use_tool` request, as the Agent SDK's `canUseTool` result is sent. */
export type PermissionAnswer =
  | { readonly behavior: 'allow'; readonly updatedInput: Record<string, unknown> }
  | { readonly behavior: 'deny'; readonly message: string; readonly interrupt?: boolean };

/** The `control_response` line answering request `requestId` (`{"subtype":"success","request_id","response":{behavior…}}`). */
export function permissionResponseLine(requestId: string, answer: PermissionAnswer): string {
  return `${JSON.stringify({ type: LINE_TYPE.CONTROL_RESPONSE, response: { subtype: CONTROL_RESPONSE_SUBTYPE.SUCCESS, request_id: requestId, response: answer } })}\n`;
}
