/**
 * The WebSocket connections of `/api/v1/ws`: the upgrade (connection limit, credentials from the query or
 * headers), one {@link Connection} per socket, the hello gate (caps and timeout for connections that have not said
 * `hello`), the heartbeat, backpressure (a slow consumer is closed, never waited for), close codes, presence
 * broadcasts and the counters behind `hub.status()`. Session events and presence frames are fanned out with uWS
 * topics (one per session for events, one for presence): each frame is encoded once and published once; the
 * subscribers it would take past `max_buffered` are closed first, so no frame is ever dropped silently. Every uWS handler runs guarded: an exception becomes an
 * `internal_error` frame (or close 1011), is logged with the connection id and counted, and the server keeps
 * serving. Frames are handled by `handlers.ts`; session events come from the one {@link SessionFeed}.
 */
import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t, WebSocket } from 'uWebSockets.js';
import {
  applyWebSocketStatus,
  initialWebSocketStatus,
  WS_DROP_REASON,
  WS_STATUS_EVENT,
  type WebSocketStatusState,
  type WsStatusEvent,
} from '../../../projections/websocket-status.js';
import type { Metrics } from '../../observability/metrics.js';
import type { ApiDeps } from '../api-deps.js';
import { AUTH_HEADER, type Identity } from '../auth/index.js';
import { API_ERROR_CODES, apiError, HTTP_STATUS_OF, type ApiError } from '../errors.js';
import { errorEnvelope, statusLine } from '../http/exchange.js';
import { remoteAddressText } from '../http/remote-address.js';
import { createRateLimits, rateLimitedError, type RateLimits } from '../rate-limit/index.js';
import { SIGHT_EVENTS, sightLostBy } from '../session-access.js';
import { errorFrame, eventFrame, presenceFrame, unsubscribedFrame } from './frames.js';
import { runGuarded } from './guard.js';
import { Heartbeat } from './heartbeat.js';
import { HelloGate } from './hello-gate.js';
import { FrameEncoder, passesBound } from './outbox.js';
import { PresenceBoard, type ConnectionPresence, type PresenceChange } from './presence.js';
import { WS_CLOSE, WS_CLOSE_REASON, WS_PATH, type UnsubscribeReason } from './protocol.js';
import { SessionFeed, sessionStream, type FeedAccess, type FeedHandle, type FeedSink, type LiveChannel } from './session-feed.js';
import { unflushedCount, UnflushedBytes, UWS_DEFERRED_PUBLISH_BYTES } from './unflushed.js';

/** uWS's own backpressure cap; above our limit so that our check, not a silent drop, decides. */
const UWS_MAX_BACKPRESSURE = 64 * 1024 * 1024;

/**
 * uWS cuts a connection off without a close frame (1006) on a frame over its `maxPayloadLength`, so its limit is
 * set to twice ours: frames up to that reach us and get a proper 1009; only larger ones are cut off.
 */
const UWS_PAYLOAD_FACTOR = 2;

/** `WebSocket.send` result when uWS dropped the message (backpressure over `maxBackpressure`). */
const SEND_DROPPED = 2;

/**
 * `AICLI_WS_FAN_OUT=send-loop` fans out with one `send` per subscriber instead of uWS topics: the comparison
 * `bench/ws.ts` measures topics against. Not a setting for production.
 */
const FAN_OUT_ENV = 'AICLI_WS_FAN_OUT';

/** The uWS topic of a session's presence frames (its events go to the topic named after its stream). */
const presenceTopic = (sessionId: string): string => `presence:${sessionId}`;

/** Counters of the endpoint, for the status endpoint and metrics. */
export interface WebSocketStatus {
  readonly connections: { readonly open: number; readonly closed: number; readonly refused: number };
  readonly bySession: Readonly<Record<string, number>>;
  readonly dropped: Readonly<Record<string, number>>;
  readonly totalConnected: number;
  readonly maxConnections: number;
}

/** Credentials and names presented on the upgrade request. */
export interface UpgradeCredentials {
  /** Identity established from `?token=`, `authorization` or `x-api-key` (auth on), if any were presented. */
  readonly identity: Identity | null;
  /** `x-user-id` / `x-tenant-id` (used by `hello` on an open server when it names nobody). */
  readonly userId: string | undefined;
  readonly tenant: string | undefined;
}

/** Where the hub counts exceptions caught in its handlers (`metrics.recordInternalError`) and, when given, the connections it drops. */
export type InternalErrorCounter = Pick<Metrics, 'recordInternalError'> & Partial<Pick<Metrics, 'recordWebSocketDrop' | 'frames'>>;

/** One client connection. */
export class Connection {
  readonly id = randomUUID();
  ws: WebSocket<{ readonly connection: Connection }> | null = null;
  /** The client's address as uWS reports it (the peer of the TCP connection: a proxy's, behind one). */
  address = '';
  identity: Identity | null = null;
  /** Frames received while `hello` is being checked, handled after it in order. */
  pending: string[] | null = null;
  readonly subscriptions = new Map<string, FeedHandle>();
  /** Sessions whose `subscribed` was sent (they receive presence). */
  readonly present = new Set<string>();
  /** Bytes published to it that uWS may not have written yet (see `unflushed.ts`). */
  readonly unflushed = unflushedCount();
  closed = false;
  openedAt = 0;
  /** Why the server closed it, when it did (for the log). */
  dropReason: string | undefined = undefined;

  constructor(readonly credentials: UpgradeCredentials) {}
}

/** A follower of a session feed: a connection's subscription. */
export interface ConnectionSink extends FeedSink {
  readonly connection: Connection;
}

/** What `handlers.ts` is given to act on connections. */
export interface HubContext {
  readonly deps: ApiDeps;
  readonly feed: SessionFeed<ConnectionSink>;
  readonly presence: PresenceBoard;
  readonly pingIntervalMs: number;
  readonly maxPayloadBytes: number;
  /** The rate limits of `security.rate_limits` (`ws_send` for frames, `ws_connect` for a `hello` that authenticates). */
  readonly limits: RateLimits;
  /**
   * Sends a frame; a connection that it would take past `max_buffered` is closed as a slow consumer instead.
   * False when it was not sent. Never throws.
   */
  send(connection: Connection, frame: string): boolean;
  sendError(connection: Connection, error: Pick<ApiError, 'code' | 'message' | 'details'>, ref: string | undefined): void;
  /** Closes with a code and reason, counting it as a drop when `drop` names a reason. */
  end(connection: Connection, code: number, reason: string, drop?: string): void;
  report(event: WsStatusEvent): void;
  /** Counts one frame received, by its type (`other` for one that did not parse). */
  countReceived(type: string): void;
  /** Records `status` for the connection in the session and broadcasts a change. */
  setPresence(connection: Connection, sessionId: string, status: ConnectionPresence): void;
  /** Removes the connection from the session's presence and broadcasts a change. */
  leavePresence(connection: Connection, sessionId: string): void;
  /** Ends the connection's subscription to the session (if any: stops its feed, leaves presence) and sends `unsubscribed` with `reason`. */
  unsubscribe(connection: Connection, sessionId: string, reason: UnsubscribeReason, ref: string | undefined): void;
  /** `hello` succeeded (`connection.identity` is set): the connection no longer waits at the hello gate. */
  helloAccepted(connection: Connection): void;
  /** Runs `work` so that a throw or rejection becomes {@link fault} (with the frame's `ref`). */
  guard(connection: Connection, ref: string | undefined, work: () => unknown): void;
  /** An exception in a handler (a bug): logged, counted, answered with `internal_error`; the server keeps serving. */
  fault(connection: Connection, error: unknown, ref: string | undefined): void;
}

/** Handles each text frame of an open connection (its throws and rejections are caught by the hub). */
export type FrameHandler = (hub: HubContext, connection: Connection, text: string) => void | Promise<void>;

/** The endpoint, once mounted. */
export interface Hub {
  status(): WebSocketStatus;
  /** Closes every open connection whose identity matches `predicate` with `code` and `reason`, counted as drop `drop`; returns how many. */
  closeWhere(predicate: (identity: Identity) => boolean, code: number, reason: string, drop: string): number;
  close(): void;
}

/**
 * Mounts the endpoint on `app`; `onFrame` handles every text frame; `metrics` counts exceptions caught; upgrades
 * are refused (429 `rate_limited`) over the `ws_connect` limits of `rateLimits`.
 */
export function mountHub(
  app: TemplatedApp,
  deps: ApiDeps,
  onFrame: FrameHandler,
  metrics: InternalErrorCounter,
  rateLimits: RateLimits = createRateLimits(deps.config.security.rate_limits, deps.clock),
): Hub {
  const { config, logger } = deps;
  const limits = config.web_interface.websocket;
  const maxPayloadBytes = config.server.max_body_size;
  const heartbeat = new Heartbeat<Connection>(limits.ping_interval, limits.pong_timeout);
  const presence = new PresenceBoard();
  const byTopics = process.env[FAN_OUT_ENV] !== 'send-loop';
  const connections = new Set<Connection>();
  /** Connections that receive each session's presence frames. */
  const presentIn = new Map<string, Set<Connection>>();
  const unflushed = new UnflushedBytes();
  // Connections without credentials wait at a capped gate; those authenticated on the upgrade only have a deadline.
  const waiting = new HelloGate<Connection>({
    timeoutMs: limits.hello_timeout,
    max: limits.max_unauthenticated,
    maxPerAddress: limits.max_unauthenticated_per_address,
  });
  const waitingWithCredentials = new HelloGate<Connection>({ timeoutMs: limits.hello_timeout, max: Infinity, maxPerAddress: Infinity });
  const encoder = new FrameEncoder();
  const frames = metrics.frames;
  let state: WebSocketStatusState = initialWebSocketStatus();
  let upgrading = 0;
  let closing = false;

  const report = (event: WsStatusEvent): void => {
    state = applyWebSocketStatus(state, event);
  };

  void deps.store.headPosition().then((head) => {
    if (head.isErr()) logger.warn({ error: head.error }, 'websocket: could not read the store head; following from the start');
    feed.start(head.isOk() ? head.value : 0n);
  });

  const end = (connection: Connection, code: number, reason: string, drop?: string): void => {
    const ws = connection.ws;
    if (connection.closed || ws === null) return;
    try {
      if (drop !== undefined) {
        connection.dropReason = drop;
        metrics.recordWebSocketDrop?.(drop);
        report({ type: WS_STATUS_EVENT.dropped, connectionId: connection.id, reason: drop, at: deps.clock.now() });
      }
    } finally {
      // Closed even if counting the drop failed: a connection the server gave up on must not stay open.
      ws.end(code, reason);
    }
  };

  /** Logs and counts an exception caught in `handler`; closes the connection with 1011 when `unusable`. */
  const internalError = (connection: Connection | null, error: unknown, handler: string, unusable: boolean): void => {
    metrics.recordInternalError('ws');
    logger.error({ err: error, connectionId: connection?.id, handler }, 'websocket: exception in a handler');
    if (!unusable || connection === null) return;
    try {
      end(connection, WS_CLOSE.internalError, WS_CLOSE_REASON.internalError, WS_DROP_REASON.internalError);
    } catch {
      // The socket is gone already: nothing left to close.
    }
  };

  const send = (connection: Connection, frame: string): boolean => {
    const ws = connection.ws;
    if (connection.closed || ws === null) return false;
    try {
      // The frame about to be queued counts: a client it would take past the bound is closed, not fed.
      const bytes = encoder.encode(frame);
      if (passesBound(ws.getBufferedAmount(), bytes.length, limits.max_buffered, unflushed.of(connection.unflushed)) || ws.send(bytes, false) === SEND_DROPPED) {
        end(connection, WS_CLOSE.slowConsumer, WS_CLOSE_REASON.slowConsumer, WS_DROP_REASON.slowConsumer);
        return false;
      }
      frames?.sent(frame);
      return true;
    } catch (error) {
      internalError(connection, error, 'send', true);
      return false;
    }
  };

  /**
   * Sends `frame` to every subscriber of `topic`, who are `members`: encoded once, published once. A member it would
   * take past `max_buffered` is closed as a slow consumer first (closing leaves the topic), so uWS never drops it.
   */
  const publish = (topic: string, frame: string, members: Iterable<Connection>): void => {
    const bytes = encoder.encode(frame);
    const deferred = bytes.length < UWS_DEFERRED_PUBLISH_BYTES;
    let slow: Connection[] | null = null;
    let copies = 0;
    for (const connection of members) {
      const ws = connection.ws;
      if (connection.closed || ws === null) continue;
      if (passesBound(ws.getBufferedAmount(), bytes.length, limits.max_buffered, unflushed.of(connection.unflushed))) (slow ??= []).push(connection);
      else {
        copies += 1;
        if (deferred) unflushed.add(connection.unflushed, bytes.length);
      }
    }
    if (slow !== null) for (const connection of slow) end(connection, WS_CLOSE.slowConsumer, WS_CLOSE_REASON.slowConsumer, WS_DROP_REASON.slowConsumer);
    app.publish(topic, bytes, false);
    frames?.sent(frame, copies);
  };

  /** Live session events: published to the session's topic, which a follower joins once it has caught up. */
  const channel: LiveChannel<ConnectionSink> = {
    join: (sessionId, { connection }) => void (connection.closed ? undefined : connection.ws?.subscribe(sessionStream(sessionId))),
    leave: (sessionId, { connection }) => void (connection.closed ? undefined : connection.ws?.unsubscribe(sessionStream(sessionId))),
    publish: (sessionId, frame, sinks) =>
      publish(
        sessionStream(sessionId),
        frame,
        sinks.map((sink) => sink.connection),
      ),
  };
  /** A subscriber removed from a session (or who left it) reads nothing more of it: ended before the next event. */
  const access: FeedAccess<ConnectionSink> = {
    changesAccess: (event) => SIGHT_EVENTS.has(event.type),
    revoke: (sessionId, event, { connection }) => {
      const identity = connection.identity;
      const lost = identity === null ? null : sightLostBy(identity, event);
      if (lost === null) return false;
      context.unsubscribe(connection, sessionId, lost, undefined);
      return true;
    },
  };
  const feed = new SessionFeed<ConnectionSink>(deps.store, eventFrame, (reason) => logger.warn({ reason }, 'websocket: session feed'), undefined, {
    ...(byTopics ? { channel } : {}),
    access,
  });

  const fault = (connection: Connection, error: unknown, ref: string | undefined): void => {
    internalError(connection, error, 'frame', false);
    send(connection, errorFrame(apiError(API_ERROR_CODES.internal, 'internal error'), ref));
  };

  const broadcastPresence = (sessionId: string, change: PresenceChange): void => {
    const members = presentIn.get(sessionId);
    if (members === undefined) return;
    const frame = presenceFrame(sessionId, presence.users(sessionId), change);
    if (byTopics) publish(presenceTopic(sessionId), frame, members);
    else for (const connection of members) send(connection, frame);
  };

  const context: HubContext = {
    deps,
    feed,
    presence,
    pingIntervalMs: limits.ping_interval,
    maxPayloadBytes,
    limits: rateLimits,
    send,
    sendError: (connection, error, ref) => void send(connection, errorFrame(error, ref)),
    countReceived: (type) => frames?.received(type),
    end,
    report,
    setPresence(connection, sessionId, status) {
      if (connection.identity === null || connection.closed) return;
      if (!connection.present.has(sessionId)) {
        connection.present.add(sessionId);
        let members = presentIn.get(sessionId);
        if (members === undefined) presentIn.set(sessionId, (members = new Set()));
        members.add(connection);
        if (byTopics) connection.ws?.subscribe(presenceTopic(sessionId));
      }
      const change = presence.set(sessionId, connection.identity.userId, connection.id, status);
      if (change !== null) broadcastPresence(sessionId, change);
    },
    leavePresence(connection, sessionId) {
      if (connection.identity === null || !connection.present.delete(sessionId)) return;
      const members = presentIn.get(sessionId);
      members?.delete(connection);
      if (members?.size === 0) presentIn.delete(sessionId);
      if (byTopics && !connection.closed) connection.ws?.unsubscribe(presenceTopic(sessionId));
      const change = presence.remove(sessionId, connection.identity.userId, connection.id);
      if (change !== null) broadcastPresence(sessionId, change);
    },
    unsubscribe(connection, sessionId, reason, ref) {
      const handle = connection.subscriptions.get(sessionId);
      if (handle !== undefined) {
        handle.stop();
        connection.subscriptions.delete(sessionId);
        report({ type: WS_STATUS_EVENT.unsubscribed, connectionId: connection.id, sessionId });
        context.leavePresence(connection, sessionId);
      }
      send(connection, unsubscribedFrame(sessionId, reason, ref));
    },
    helloAccepted(connection) {
      waiting.remove(connection);
      waitingWithCredentials.remove(connection);
    },
    guard: (connection, ref, work) => runGuarded(work, (error) => fault(connection, error, ref)),
    fault,
  };

  const refuse = (res: HttpResponse, error: ApiError, headers: Readonly<Record<string, string>> = {}): void => {
    try {
      report({ type: WS_STATUS_EVENT.refused, reason: error.code, at: deps.clock.now() });
    } finally {
      // Answered even if counting failed: uWS ends the process when an upgrade handler returns without an answer.
      res.cork(() => {
        res.writeStatus(statusLine(HTTP_STATUS_OF[error.code])).writeHeader('content-type', 'application/json');
        for (const [name, value] of Object.entries({ ...headers, ...error.headers })) res.writeHeader(name, value);
        res.end(errorEnvelope(error), true);
      });
    }
  };

  /** Answers an upgrade whose handler threw with 500 `internal_error`, unless it was answered or aborted already. */
  const refuseAfterFault = (res: HttpResponse): void => {
    try {
      refuse(res, apiError(API_ERROR_CODES.internal, 'internal error'));
    } catch {
      // Answered, upgraded or aborted before the exception: nothing more to say.
    }
  };

  /** Whether the server is full; when it is, the oldest connection waiting for `hello` without credentials makes room. */
  const full = (): boolean => {
    if (connections.size + upgrading < limits.max_connections) return false;
    const oldest = waiting.oldest();
    if (oldest === undefined) return true;
    end(oldest, WS_CLOSE.helloCrowded, WS_CLOSE_REASON.helloCrowded, WS_DROP_REASON.helloCrowded);
    return connections.size + upgrading >= limits.max_connections;
  };

  const upgrade = (res: HttpResponse, req: HttpRequest, socketContext: us_socket_context_t): void => {
    if (closing) return refuse(res, apiError(API_ERROR_CODES.unavailable, 'server is shutting down'), { 'retry-after': '1' });
    // Before `full()`, which may close a connection waiting for hello to make room.
    const byAddress = rateLimits.ws_connect.address(remoteAddressText(res.getRemoteAddressAsText()));
    if (byAddress !== null) return refuse(res, rateLimitedError(byAddress));
    if (full()) return refuse(res, apiError(API_ERROR_CODES.unavailable, `too many WebSocket connections (${limits.max_connections})`), { 'retry-after': '1' });
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const headers: Record<string, string> = {};
    for (const name of Object.values(AUTH_HEADER)) {
      const value = req.getHeader(name);
      if (value !== '') headers[name] = value;
    }
    const token = new URLSearchParams(req.getQuery() ?? '').get('token') ?? '';
    const presented = deps.auth.enabled && (token !== '' || headers[AUTH_HEADER.authorization] !== undefined || headers[AUTH_HEADER.apiKey] !== undefined);
    const open = { userId: headers[AUTH_HEADER.userId], tenant: headers[AUTH_HEADER.tenant] };
    if (!presented) {
      res.upgrade({ connection: new Connection({ identity: null, ...open }) }, key, protocol, extensions, socketContext);
      return;
    }
    let aborted = false;
    upgrading++;
    res.onAborted(() => {
      aborted = true;
    });
    let settled = false;
    const authenticated = (identity: Awaited<ReturnType<typeof deps.auth.fromToken>>): void => {
      settled = true;
      upgrading--;
      if (aborted) return;
      if (closing) return refuse(res, apiError(API_ERROR_CODES.unavailable, 'server is shutting down'), { 'retry-after': '1' });
      if (identity.isErr()) return refuse(res, identity.error);
      const byPrincipal = rateLimits.ws_connect.principal(identity.value);
      if (byPrincipal !== null) return refuse(res, rateLimitedError(byPrincipal));
      res.cork(() => res.upgrade({ connection: new Connection({ identity: identity.value, ...open }) }, key, protocol, extensions, socketContext));
    };
    // Through a promise, so that a check that throws at once also releases its reserved slot below.
    const origin = { remoteAddress: Buffer.from(res.getRemoteAddressAsText()).toString() };
    new Promise<Awaited<ReturnType<typeof deps.auth.fromToken>>>((resolve) => resolve(token !== '' ? deps.auth.fromToken(token, undefined, origin) : deps.auth.fromHeaders(headers, origin)))
      .then(authenticated)
      .catch((error: unknown) => {
        if (!settled) upgrading--;
        internalError(null, error, 'upgrade', false);
        if (!aborted) refuseAfterFault(res);
      });
  };

  const opened = (ws: WebSocket<{ readonly connection: Connection }>, connection: Connection): void => {
    const now = deps.clock.now();
    connection.openedAt = now;
    connection.address = remoteAddressText(ws.getRemoteAddressAsText());
    connections.add(connection);
    heartbeat.add(connection, now);
    const gate = connection.credentials.identity === null ? waiting : waitingWithCredentials;
    for (const pushedOut of gate.add(connection, connection.address, now)) {
      end(pushedOut, WS_CLOSE.helloCrowded, WS_CLOSE_REASON.helloCrowded, WS_DROP_REASON.helloCrowded);
    }
    const userId = connection.credentials.identity?.userId ?? connection.credentials.userId ?? 'unidentified';
    report({ type: WS_STATUS_EVENT.connected, connectionId: connection.id, userId, at: now });
    // The connection id is the `metadata.correlationId` (`<id>` or `<id>/<ref>`) of the session events its frames store.
    logger.info({ connectionId: connection.id, address: connection.address }, 'websocket: connection opened');
  };

  const closed = (connection: Connection, code: number): void => {
    connection.closed = true;
    connections.delete(connection);
    waiting.remove(connection);
    waitingWithCredentials.remove(connection);
    heartbeat.remove(connection);
    for (const handle of connection.subscriptions.values()) handle.stop();
    connection.subscriptions.clear();
    for (const sessionId of [...connection.present]) context.leavePresence(connection, sessionId);
    const now = deps.clock.now();
    report({ type: WS_STATUS_EVENT.disconnected, connectionId: connection.id, reason: String(code), at: now });
    logger.info({ connectionId: connection.id, userId: connection.identity?.userId, code, drop: connection.dropReason, ms: now - connection.openedAt }, 'websocket: connection closed');
  };

  const onTick = (): void => {
    const now = deps.clock.now();
    const due = heartbeat.tick(now);
    // A connection whose hello is being checked is decided by the check, not by the clock.
    for (const connection of [...waiting.expired(now), ...waitingWithCredentials.expired(now)]) {
      if (connection.pending === null) end(connection, WS_CLOSE.unauthorized, WS_CLOSE_REASON.helloTimeout, WS_DROP_REASON.helloTimeout);
    }
    for (const connection of due.expired) end(connection, WS_CLOSE.pongTimeout, WS_CLOSE_REASON.pongTimeout, WS_DROP_REASON.pongTimeout);
    for (const connection of due.ping) if (!connection.closed) connection.ws?.ping();
  };
  const tick = setInterval(() => runGuarded(onTick, (error) => internalError(null, error, 'tick', false)), Math.min(heartbeat.tickMs, Math.max(20, limits.hello_timeout / 4)));
  tick.unref();

  app.ws<{ readonly connection: Connection }>(WS_PATH, {
    maxPayloadLength: Math.min(maxPayloadBytes * UWS_PAYLOAD_FACTOR, 2 ** 31 - 1),
    maxBackpressure: UWS_MAX_BACKPRESSURE,
    closeOnBackpressureLimit: 0,
    idleTimeout: 0,
    sendPingsAutomatically: false,
    upgrade: (res, req, socketContext) =>
      runGuarded(() => upgrade(res, req, socketContext), (error) => {
        internalError(null, error, 'upgrade', false);
        refuseAfterFault(res);
      }),
    open: (ws) => {
      const { connection } = ws.getUserData();
      connection.ws = ws;
      runGuarded(() => opened(ws, connection), (error) => internalError(connection, error, 'open', true));
    },
    message: (ws, message, isBinary) => {
      const { connection } = ws.getUserData();
      runGuarded(() => {
        heartbeat.seen(connection);
        if (message.byteLength > maxPayloadBytes) return end(connection, WS_CLOSE.tooLarge, WS_CLOSE_REASON.tooLarge, WS_DROP_REASON.frameTooLarge);
        if (isBinary) return context.sendError(connection, apiError(API_ERROR_CODES.unsupportedMediaType, 'frames are JSON text, not binary'), undefined);
        return onFrame(context, connection, Buffer.from(message).toString('utf8'));
      }, (error) => fault(connection, error, undefined));
    },
    pong: (ws) => {
      const { connection } = ws.getUserData();
      runGuarded(() => heartbeat.seen(connection), (error) => internalError(connection, error, 'pong', false));
    },
    close: (ws, code) => {
      const { connection } = ws.getUserData();
      runGuarded(() => closed(connection, code), (error) => internalError(connection, error, 'close', false));
    },
  });

  return {
    status: () => ({
      connections: state.connections,
      bySession: state.bySession,
      dropped: state.dropped,
      totalConnected: state.totalConnected,
      maxConnections: limits.max_connections,
    }),
    closeWhere: (predicate, code, reason, drop) => closeMatching(connections, end, predicate, code, reason, drop),
    close() {
      if (closing) return;
      closing = true;
      clearInterval(tick);
      for (const connection of [...connections]) end(connection, WS_CLOSE.goingAway, WS_CLOSE_REASON.goingAway, WS_DROP_REASON.shutdown);
      void feed.close();
    },
  };
}

/**
 * Closes the connections whose identity (from `hello`, or from the upgrade while `hello` is pending) matches. Kept
 * apart from the fan-out so revocation and the hub can change independently.
 */
function closeMatching(
  connections: ReadonlySet<Connection>,
  end: (connection: Connection, code: number, reason: string, drop?: string) => void,
  predicate: (identity: Identity) => boolean,
  code: number,
  reason: string,
  drop: string,
): number {
  let closed = 0;
  for (const connection of [...connections]) {
    const identity = connection.identity ?? connection.credentials.identity;
    if (identity === null || connection.closed || !predicate(identity)) continue;
    end(connection, code, reason, drop);
    closed += 1;
  }
  return closed;
}
