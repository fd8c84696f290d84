/**
 * The WebSocket protocol of `/api/v1/ws`, in one place: frame type names (client → server and server → client),
 * close codes, presence statuses, the TypeBox schemas of client frames and the one parser that turns a text frame
 * into a typed {@link ClientFrame} or a {@link FrameError} carrying the stable error code to answer with.
 * docs/websocket.md documents the same with examples.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { err, ok, type Result } from 'neverthrow';
import { API_ERROR_CODES, type ApiErrorCode } from '../errors.js';
import { ApprovalDecisionBody, SendMessageBody } from '../routes/schemas.js';

export { CLIENT_FRAME, PRESENCE_STATUS, SERVER_FRAME, WS_PATH } from './frame-names.js';
import { CLIENT_FRAME, PRESENCE_STATUS, SERVER_FRAME } from './frame-names.js';

/**
 * Why an `unsubscribed` frame ends a subscription: the client asked, or the caller lost sight of the session (removed
 * by its owner or an operator, or left it from another connection). A subscription the server ends gets no `ref`.
 */
export const UNSUBSCRIBE_REASON = { requested: 'requested', removed: 'removed', left: 'left' } as const;

/** One of {@link UNSUBSCRIBE_REASON}'s values. */
export type UnsubscribeReason = (typeof UNSUBSCRIBE_REASON)[keyof typeof UNSUBSCRIBE_REASON];

/** Close codes the server uses. */
export const WS_CLOSE = {
  /** The server is shutting down (`hub.close()`). */
  goingAway: 1001,
  /** A frame larger than `server.max_body_size`. */
  tooLarge: 1009,
  /** An exception in the server left the connection unusable (a bug; it is logged and counted). */
  internalError: 1011,
  /** Too many connections wait for `hello` (in all, or from the client's address): the oldest is closed. */
  helloCrowded: 1013,
  /** `hello` failed (no, or bad, credentials), or never came (within `hello_timeout`), or the API key it used was revoked. */
  unauthorized: 4001,
  /** No pong (nor any other frame) within `pong_timeout` of a ping. */
  pongTimeout: 4002,
  /** The client reads too slowly: the next frame would take its send buffer past `max_buffered`. */
  slowConsumer: 4008,
  /** `hello` named a caller over its rate of new connections (`security.rate_limits.ws_connect.per_principal`). */
  rateLimited: 4029,
} as const;

/** Reasons sent with {@link WS_CLOSE} codes. */
export const WS_CLOSE_REASON = {
  goingAway: 'server shutting down',
  tooLarge: 'frame too large',
  internalError: 'internal error',
  helloCrowded: 'too many connections waiting for hello',
  unauthorized: 'unauthorized',
  helloTimeout: 'hello timeout',
  keyRevoked: 'api key revoked',
  pongTimeout: 'pong timeout',
  slowConsumer: 'slow consumer',
  rateLimited: 'rate limited',
} as const;

/** One of {@link PRESENCE_STATUS}'s values. */
export type PresenceStatus = (typeof PRESENCE_STATUS)[keyof typeof PRESENCE_STATUS];

const Ref = Type.Optional(Type.String({ maxLength: 128 }));
const SessionId = Type.String({ minLength: 1, maxLength: 128 });

/** Client frames are closed, as REST bodies are: an unknown field is refused, never ignored. */
const Closed = { additionalProperties: false } as const;

/** `hello`: the first frame; `token` when auth is on, `userId`/`tenant` naming the caller when it is off. */
export const HelloFrame = Type.Object({
  type: Type.Literal(CLIENT_FRAME.hello),
  token: Type.Optional(Type.String({ maxLength: 8192 })),
  userId: Type.Optional(Type.String({ maxLength: 128 })),
  tenant: Type.Optional(Type.String({ maxLength: 128 })),
  client: Type.Optional(Type.String({ maxLength: 256 })),
  ref: Ref,
}, Closed);

/** `subscribe`: history from `fromRevision` (inclusive) then live events; without it, only new events. */
export const SubscribeFrame = Type.Object({
  type: Type.Literal(CLIENT_FRAME.subscribe),
  session: SessionId,
  fromRevision: Type.Optional(Type.Integer({ minimum: 0 })),
  ref: Ref,
}, Closed);

/** `unsubscribe`: stop receiving the session's events. */
export const UnsubscribeFrame = Type.Object({ type: Type.Literal(CLIENT_FRAME.unsubscribe), session: SessionId, ref: Ref }, Closed);

/**
 * `send`: a user message; `clientMsgId` makes retries idempotent (required here: a socket may drop mid-send).
 * `text` is the REST body's own schema, so both transports share one cap (`MAX_MESSAGE_CHARS`).
 */
export const SendFrame = Type.Object({
  type: Type.Literal(CLIENT_FRAME.send),
  session: SessionId,
  text: SendMessageBody.properties.text,
  clientMsgId: Type.String({ minLength: 1, maxLength: 128 }),
  ref: Ref,
}, Closed);

/** `interrupt`: stop the running turn. */
export const InterruptFrame = Type.Object({ type: Type.Literal(CLIENT_FRAME.interrupt), session: SessionId, ref: Ref }, Closed);

/** `approve`: answer the pending tool approval `requestId` (the body of `POST /sessions/:id/approvals/:requestId`). */
export const ApproveFrame = Type.Object({
  type: Type.Literal(CLIENT_FRAME.approve),
  session: SessionId,
  requestId: Type.String({ minLength: 1, maxLength: 256 }),
  behavior: ApprovalDecisionBody.properties.behavior,
  updatedInput: ApprovalDecisionBody.properties.updatedInput,
  message: ApprovalDecisionBody.properties.message,
  always: ApprovalDecisionBody.properties.always,
  ref: Ref,
}, Closed);

/** `presence`: what the user is doing in a session they are subscribed to. */
export const PresenceFrame = Type.Object({
  type: Type.Literal(CLIENT_FRAME.presence),
  session: SessionId,
  status: Type.Union([Type.Literal(PRESENCE_STATUS.watching), Type.Literal(PRESENCE_STATUS.typing), Type.Literal(PRESENCE_STATUS.idle)]),
  ref: Ref,
}, Closed);

/** A client frame of each type. */
export type HelloFrame = Static<typeof HelloFrame>;
export type SubscribeFrame = Static<typeof SubscribeFrame>;
export type UnsubscribeFrame = Static<typeof UnsubscribeFrame>;
export type SendFrame = Static<typeof SendFrame>;
export type InterruptFrame = Static<typeof InterruptFrame>;
export type ApproveFrame = Static<typeof ApproveFrame>;
export type PresenceFrame = Static<typeof PresenceFrame>;

/** Any valid client frame. */
export type ClientFrame = HelloFrame | SubscribeFrame | UnsubscribeFrame | SendFrame | InterruptFrame | ApproveFrame | PresenceFrame;

/** Why a text frame is not a valid client frame: the error code to answer with, a message, and the frame's `ref`. */
export interface FrameError {
  readonly code: ApiErrorCode;
  readonly message: string;
  readonly ref?: string;
}

const compile = <T extends TSchema>(schema: T) => TypeCompiler.Compile(schema);
const CHECKERS = {
  [CLIENT_FRAME.hello]: compile(HelloFrame),
  [CLIENT_FRAME.subscribe]: compile(SubscribeFrame),
  [CLIENT_FRAME.unsubscribe]: compile(UnsubscribeFrame),
  [CLIENT_FRAME.send]: compile(SendFrame),
  [CLIENT_FRAME.interrupt]: compile(InterruptFrame),
  [CLIENT_FRAME.approve]: compile(ApproveFrame),
  [CLIENT_FRAME.presence]: compile(PresenceFrame),
} as const;

const isClientFrameType = (value: unknown): value is keyof typeof CHECKERS => typeof value === 'string' && Object.hasOwn(CHECKERS, value);

/** Parses one text frame: `invalid_json`, or `validation_failed` (not an object, unknown type, bad fields). */
export function parseClientFrame(text: string): Result<ClientFrame, FrameError> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return err({ code: API_ERROR_CODES.invalidJson, message: 'the frame is not valid JSON' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return err({ code: API_ERROR_CODES.validationFailed, message: 'a frame is a JSON object with a "type"' });
  }
  const record = value as Record<string, unknown>;
  const ref = typeof record['ref'] === 'string' ? { ref: record['ref'] } : {};
  const type = record['type'];
  if (!isClientFrameType(type)) {
    const known = Object.values(CLIENT_FRAME).join(', ');
    return err({ code: API_ERROR_CODES.validationFailed, message: `unknown frame type ${JSON.stringify(type ?? null)} (one of ${known})`, ...ref });
  }
  const checker = CHECKERS[type];
  if (checker.Check(value)) return ok(value as ClientFrame);
  const first = checker.Errors(value).First();
  const where = first === undefined ? '' : `${first.path === '' ? '/' : first.path}: `;
  return err({ code: API_ERROR_CODES.validationFailed, message: `invalid ${type} frame: ${where}${first?.message ?? 'does not match the schema'}`, ...ref });
}
