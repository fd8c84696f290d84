/**
 * What the server does with each client frame: `hello` establishes the identity (frames that arrive while it is
 * checked wait for it, in order), then `subscribe`/`unsubscribe` follow sessions through the feed, `send` and
 * `interrupt` go to the pool, and `presence` updates the session's presence. `subscribe`, `send` and `interrupt`
 * take the session-command path the REST routes take (`session-commands.ts`): one access decision, one answer. Every refusal is an `error` frame
 * with a stable code and the frame's `ref`; every handler runs under `hub.guard`, so an exception (a bug) is an
 * `internal_error` frame with that `ref`, never a crash.
 */
import { okAsync, type Result } from 'neverthrow';
import { WS_DROP_REASON, WS_STATUS_EVENT } from '../../../projections/websocket-status.js';
import { OTHER_FRAME_TYPE } from '../../observability/frame-counts.js';
import type { AuditOrigin } from '../audit-entry.js';
import { recordHistoryRead } from '../audit-hooks.js';
import type { Identity } from '../auth/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from '../errors.js';
import { rateLimitedError } from '../rate-limit/index.js';
import { SESSION_COMMAND } from '../session-access.js';
import { runSessionCommand } from '../session-commands.js';
import { ackFrame, approvedFrame, interruptedFrame, subscribedFrame, welcomeFrame } from './frames.js';
import type { Connection, FrameHandler, HubContext } from './hub.js';
import {
  CLIENT_FRAME,
  PRESENCE_STATUS,
  type ClientFrame,
  parseClientFrame,
  WS_CLOSE,
  WS_CLOSE_REASON,
  type HelloFrame,
  type InterruptFrame,
  type ApproveFrame,
  type PresenceFrame,
  type SendFrame,
  type SubscribeFrame,
  type UnsubscribeFrame,
  UNSUBSCRIBE_REASON,
} from './protocol.js';
import type { FeedHandle, FeedStart } from './session-feed.js';

/** Handles one text frame of `connection`. */
export const handleFrame: FrameHandler = (hub, connection, text) => {
  if (connection.pending !== null) {
    connection.pending.push(text);
    return;
  }
  const parsed = parseClientFrame(text);
  hub.countReceived(parsed.isOk() ? parsed.value.type : OTHER_FRAME_TYPE);
  if (parsed.isErr()) return hub.sendError(connection, parsed.error, parsed.error.ref);
  const frame = parsed.value;
  hub.guard(connection, frame.ref, () => dispatch(hub, connection, frame));
};

/** Acts on one valid frame; the promise of an asynchronous answer is returned for `hub.guard` to watch. */
function dispatch(hub: HubContext, connection: Connection, frame: ClientFrame): void | Promise<void> {
  if (frame.type === CLIENT_FRAME.hello) return hello(hub, connection, frame);
  const identity = connection.identity;
  if (identity === null) return hub.sendError(connection, apiError(API_ERROR_CODES.unauthorized, `send "${CLIENT_FRAME.hello}" first`), frame.ref);
  switch (frame.type) {
    case CLIENT_FRAME.subscribe:
      return subscribe(hub, connection, identity, frame);
    case CLIENT_FRAME.unsubscribe:
      return unsubscribe(hub, connection, frame);
    case CLIENT_FRAME.send:
      return send(hub, connection, identity, frame);
    case CLIENT_FRAME.interrupt:
      return interrupt(hub, connection, identity, frame);
    case CLIENT_FRAME.approve:
      return approve(hub, connection, identity, frame);
    case CLIENT_FRAME.presence:
      return presence(hub, connection, frame);
  }
}

/** The identity `hello` establishes: from its token, from the upgrade's credentials, or named (auth off). */
async function identify(hub: HubContext, connection: Connection, frame: HelloFrame): Promise<Result<Identity, ApiError>> {
  const { auth } = hub.deps;
  const { credentials } = connection;
  const token = frame.token === undefined || frame.token === '' ? undefined : frame.token;
  if (!auth.enabled) return auth.fromToken(undefined, { userId: frame.userId ?? credentials.userId, tenant: frame.tenant ?? credentials.tenant }, originOf(connection, frame.ref));
  if (token === undefined && credentials.identity !== null) return okAsync<Identity, ApiError>(credentials.identity);
  return auth.fromToken(token, undefined, originOf(connection, frame.ref));
}

/** Where a frame came from, for the audit log: the connection's address, its id and the frame's ref as the request id. */
function originOf(connection: Connection, ref: string | undefined): AuditOrigin {
  return { remoteAddress: connection.address, requestId: ref === undefined ? connection.id : `${connection.id}/${ref}` };
}

async function hello(hub: HubContext, connection: Connection, frame: HelloFrame): Promise<void> {
  if (connection.identity !== null) return hub.sendError(connection, apiError(API_ERROR_CODES.badRequest, 'hello was already said on this connection'), frame.ref);
  connection.pending = [];
  // Whatever happens to the check (even an exception), the frames held meanwhile are released and answered.
  const settled = await identify(hub, connection, frame).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  const pending = connection.pending ?? [];
  connection.pending = null;
  if (connection.closed) return;
  if ('error' in settled) hub.fault(connection, settled.error, frame.ref);
  else if (settled.result.isErr()) {
    hub.sendError(connection, settled.result.error, frame.ref);
    if (settled.result.error.code === API_ERROR_CODES.unauthorized) return hub.end(connection, WS_CLOSE.unauthorized, WS_CLOSE_REASON.unauthorized, WS_DROP_REASON.unauthorized);
  } else {
    // A connection with credentials on its upgrade was counted against its caller's connection rate there.
    const refused = connection.credentials.identity === null ? hub.limits.ws_connect.principal(settled.result.value) : null;
    if (refused !== null) {
      hub.sendError(connection, rateLimitedError(refused), frame.ref);
      return hub.end(connection, WS_CLOSE.rateLimited, WS_CLOSE_REASON.rateLimited, WS_DROP_REASON.rateLimited);
    }
    const { userId, tenant, role } = settled.result.value;
    connection.identity = settled.result.value;
    hub.helloAccepted(connection);
    hub.send(connection, welcomeFrame({ connectionId: connection.id, userId, tenant, role, pingIntervalMs: hub.pingIntervalMs, maxPayloadBytes: hub.maxPayloadBytes, ref: frame.ref }));
  }
  for (const text of pending) handleFrame(hub, connection, text);
}

async function subscribe(hub: HubContext, connection: Connection, identity: Identity, frame: SubscribeFrame): Promise<void> {
  const { session, ref } = frame;
  const seen = await runSessionCommand(hub.deps, identity, session, { kind: SESSION_COMMAND.view }, originOf(connection, ref));
  if (connection.closed) return;
  if (seen.isErr()) return hub.sendError(connection, seen.error, ref);
  if (frame.fromRevision !== undefined) recordHistoryRead(hub.deps.audit, identity, session, frame.fromRevision, originOf(connection, ref));
  connection.subscriptions.get(session)?.stop();
  // Access was decided as of `seen.value.revision`: a removal stored after it ends the subscription, whenever it lands.
  const screenFrom = seen.value.revision + 1n;
  const start: FeedStart = frame.fromRevision === undefined ? { kind: 'head', screenFrom } : { kind: 'revision', revision: BigInt(frame.fromRevision), screenFrom };
  // The feed calls these from its one dispatch loop: guarded, so a bug here cannot stop other subscribers' events.
  const handle: FeedHandle = hub.feed.follow(session, start, {
    connection,
    started: ({ fromRevision, headRevision }) =>
      hub.guard(connection, ref, () => {
        if (!hub.send(connection, subscribedFrame(session, fromRevision, headRevision, ref))) return;
        hub.report({ type: WS_STATUS_EVENT.subscribed, connectionId: connection.id, sessionId: session });
        hub.setPresence(connection, session, PRESENCE_STATUS.watching);
      }),
    deliver: (text) => void hub.send(connection, text),
    failed: (error) =>
      hub.guard(connection, ref, () => {
        if (connection.subscriptions.get(session) === handle) connection.subscriptions.delete(session);
        const message = error.kind === 'FeedClosed' ? 'server is shutting down' : `could not read the session's events: ${error.reason}`;
        hub.sendError(connection, apiError(API_ERROR_CODES.unavailable, message), ref);
      }),
  });
  connection.subscriptions.set(session, handle);
}

function unsubscribe(hub: HubContext, connection: Connection, frame: UnsubscribeFrame): void {
  hub.unsubscribe(connection, frame.session, UNSUBSCRIBE_REASON.requested, frame.ref);
}

async function send(hub: HubContext, connection: Connection, identity: Identity, frame: SendFrame): Promise<void> {
  const { session, text, clientMsgId, ref } = frame;
  const refused = hub.limits.ws_send.both(identity, connection.address);
  if (refused !== null) return hub.sendError(connection, rateLimitedError(refused), ref);
  const sent = await runSessionCommand(hub.deps, identity, session, { kind: SESSION_COMMAND.send, text, clientMsgId }, originOf(connection, ref));
  if (sent.isErr()) return hub.sendError(connection, sent.error, ref);
  hub.send(connection, ackFrame({ clientMsgId, turnId: sent.value.turnId, revision: sent.value.revision, duplicate: sent.value.duplicate, ref }));
}

async function interrupt(hub: HubContext, connection: Connection, identity: Identity, frame: InterruptFrame): Promise<void> {
  const { session, ref } = frame;
  const accepted = await runSessionCommand(hub.deps, identity, session, { kind: SESSION_COMMAND.interrupt }, originOf(connection, ref));
  if (accepted.isErr()) return hub.sendError(connection, accepted.error, ref);
  hub.send(connection, interruptedFrame(session, accepted.value, ref));
}

async function approve(hub: HubContext, connection: Connection, identity: Identity, frame: ApproveFrame): Promise<void> {
  const { session, requestId, behavior, updatedInput, message, always, ref } = frame;
  const decision = { behavior, ...(updatedInput === undefined ? {} : { updatedInput }), ...(message === undefined ? {} : { message }), ...(always === undefined ? {} : { always }) };
  const decided = await runSessionCommand(hub.deps, identity, session, { kind: SESSION_COMMAND.approve, requestId, decision }, originOf(connection, ref));
  if (decided.isErr()) return hub.sendError(connection, decided.error, ref);
  hub.send(connection, approvedFrame(session, requestId, decided.value.behavior, decided.value.revision, ref));
}

function presence(hub: HubContext, connection: Connection, frame: PresenceFrame): void {
  if (!connection.present.has(frame.session)) {
    return hub.sendError(connection, apiError(API_ERROR_CODES.badRequest, `subscribe to session ${frame.session} before sending presence`), frame.ref);
  }
  hub.setPresence(connection, frame.session, frame.status);
}
