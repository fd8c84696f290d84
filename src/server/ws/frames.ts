/**
 * Server → client frames, built and serialised in one place so every frame has the documented shape (camelCase,
 * revisions as JSON numbers, `ref` echoed when the client gave one).
 */
import { recordedAt } from '../../runtime/index.js';
import type { RecordedEvent } from '../../store/index.js';
import type { ApiError } from '../errors.js';
import type { PresenceChange, PresenceUser } from './presence.js';
import { SERVER_FRAME, type UnsubscribeReason } from './protocol.js';

const withRef = (ref: string | undefined): { ref?: string } => (ref === undefined ? {} : { ref });

/** `event`: one stored event of a session (`eventType` is the stored type, e.g. `AgentOutputReceived`). */
export function eventFrame(sessionId: string, event: RecordedEvent): string {
  const at = recordedAt(event) ?? event.recordedAt.getTime();
  return JSON.stringify({ type: SERVER_FRAME.event, session: sessionId, revision: Number(event.revision), eventType: event.type, data: event.data, at });
}

/** `welcome`: the answer to `hello`. */
export function welcomeFrame(welcome: {
  connectionId: string;
  userId: string;
  tenant: string;
  role: string;
  pingIntervalMs: number;
  maxPayloadBytes: number;
  ref: string | undefined;
}): string {
  const { ref, ...rest } = welcome;
  return JSON.stringify({ type: SERVER_FRAME.welcome, ...rest, ...withRef(ref) });
}

/** `subscribed`: history follows from `fromRevision`; `headRevision` was the stream's last revision (-1: none). */
export function subscribedFrame(sessionId: string, fromRevision: bigint, headRevision: bigint, ref: string | undefined): string {
  return JSON.stringify({ type: SERVER_FRAME.subscribed, session: sessionId, fromRevision: Number(fromRevision), headRevision: Number(headRevision), ...withRef(ref) });
}

/** `unsubscribed`, saying why (the client asked, or the server ended the subscription). */
export function unsubscribedFrame(sessionId: string, reason: UnsubscribeReason, ref: string | undefined): string {
  return JSON.stringify({ type: SERVER_FRAME.unsubscribed, session: sessionId, reason, ...withRef(ref) });
}

/** `ack`: the message is durable (`duplicate` when the `clientMsgId` had been accepted before). */
export function ackFrame(ack: { clientMsgId: string; turnId: string; revision: bigint; duplicate: boolean; ref: string | undefined }): string {
  return JSON.stringify({
    type: SERVER_FRAME.ack,
    clientMsgId: ack.clientMsgId,
    turnId: ack.turnId,
    revision: Number(ack.revision),
    duplicate: ack.duplicate,
    ...withRef(ack.ref),
  });
}

/** `interrupted`: whether the interrupt was taken (false when no turn was running). */
export function interruptedFrame(sessionId: string, accepted: boolean, ref: string | undefined): string {
  return JSON.stringify({ type: SERVER_FRAME.interrupted, session: sessionId, accepted, ...withRef(ref) });
}

/** `approved`: the answer to a tool approval was stored (`revision` of its `ToolApprovalDecided`). */
export function approvedFrame(sessionId: string, requestId: string, behavior: string, revision: bigint, ref: string | undefined): string {
  return JSON.stringify({ type: SERVER_FRAME.approved, session: sessionId, requestId, behavior, revision: Number(revision), ...withRef(ref) });
}

/** `presence`: who is in the session now, and what changed. */
export function presenceFrame(sessionId: string, users: readonly PresenceUser[], change: PresenceChange): string {
  return JSON.stringify({ type: SERVER_FRAME.presence, session: sessionId, users, change });
}

/** `error`: the code, message and details of an {@link ApiError}. */
export function errorFrame(error: Pick<ApiError, 'code' | 'message' | 'details'>, ref: string | undefined): string {
  return JSON.stringify({
    type: SERVER_FRAME.error,
    code: error.code,
    message: error.message,
    ...(error.details === undefined ? {} : { details: error.details }),
    ...withRef(ref),
  });
}
