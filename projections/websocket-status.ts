/**
 * The `websocket-status` projection. WebSocket connections are not in the event store: the server reports its own
 * connection events (`WsStatusEvent`) and this fold counts open, closed and refused connections, subscriptions per
 * session and drops by reason. A drop closes the connection; a later `disconnected` for it changes nothing.
 */
import { bumpCount, type Projection } from './event.js';
import { emptyIdMap, idMapDelete, idMapGet, idMapSet, type IdMap } from './id-map.js';

/** Types of the server's connection events. */
export const WS_STATUS_EVENT = {
  connected: 'connected',
  disconnected: 'disconnected',
  subscribed: 'subscribed',
  unsubscribed: 'unsubscribed',
  dropped: 'dropped',
  refused: 'refused',
} as const;

/** Why the server dropped a connection itself (the `reason` label of `aicli_websocket_dropped_total`: every one is counted from 0). */
export const WS_DROP_REASON = {
  slowConsumer: 'slow_consumer',
  pongTimeout: 'pong_timeout',
  protocolError: 'protocol_error',
  shutdown: 'shutdown',
  /** It did not say `hello` within `hello_timeout`. */
  helloTimeout: 'hello_timeout',
  /** Pushed out by newer connections while too many waited for `hello`. */
  helloCrowded: 'hello_crowded',
  /** An exception left it unusable. */
  internalError: 'internal_error',
  /** A frame over `server.max_body_size`. */
  frameTooLarge: 'frame_too_large',
  /** Its `hello` failed. */
  unauthorized: 'unauthorized',
  /** Its `hello` was over its caller's rate of new connections. */
  rateLimited: 'rate_limited',
  /** The API key it authenticated with was revoked. */
  apiKeyRevoked: 'api_key_revoked',
} as const;

/** One of {@link WS_DROP_REASON}'s values, or another reason the server names. */
export type WsDropReason = (typeof WS_DROP_REASON)[keyof typeof WS_DROP_REASON] | (string & {});

/** A connection event the server reports (`at` in epoch ms where the event has one). */
export type WsStatusEvent =
  | { readonly type: typeof WS_STATUS_EVENT.connected; readonly connectionId: string; readonly userId: string; readonly at: number }
  | { readonly type: typeof WS_STATUS_EVENT.disconnected; readonly connectionId: string; readonly reason: string; readonly at: number }
  | { readonly type: typeof WS_STATUS_EVENT.subscribed; readonly connectionId: string; readonly sessionId: string }
  | { readonly type: typeof WS_STATUS_EVENT.unsubscribed; readonly connectionId: string; readonly sessionId: string }
  | { readonly type: typeof WS_STATUS_EVENT.dropped; readonly connectionId: string; readonly reason: WsDropReason; readonly at?: number }
  | { readonly type: typeof WS_STATUS_EVENT.refused; readonly reason: string; readonly at?: number };

/** An open connection as the fold remembers it. */
export interface WsConnection {
  readonly userId: string;
  readonly connectedAt: number;
  /** Sessions it is subscribed to, each once. */
  readonly sessions: readonly string[];
}

/** State of the `websocket-status` projection. */
export interface WebSocketStatusState {
  /** Open now; closed (disconnected or dropped) and refused ever. */
  readonly connections: { readonly open: number; readonly closed: number; readonly refused: number };
  /** Open subscriptions per session; sessions with none are left out. */
  readonly bySession: { readonly [sessionId: string]: number };
  readonly dropped: { readonly [reason: string]: number };
  /** Connections ever accepted. */
  readonly totalConnected: number;
  /** The open connections by id. */
  readonly open: IdMap<WsConnection>;
  /** Events that could not apply: malformed, or naming a connection that is not open. */
  readonly skipped: number;
}

/** Name of the projection. */
export const WEBSOCKET_STATUS = 'websocket-status';

/** The state before any connection. */
export const initialWebSocketStatus = (): WebSocketStatusState => ({
  connections: { open: 0, closed: 0, refused: 0 },
  bySession: {},
  dropped: {},
  totalConnected: 0,
  open: emptyIdMap(),
  skipped: 0,
});

const skip = (state: WebSocketStatusState): WebSocketStatusState => ({ ...state, skipped: state.skipped + 1 });
const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

function close(state: WebSocketStatusState, connectionId: string): WebSocketStatusState | null {
  const connection = idMapGet(state.open, connectionId);
  if (connection === undefined) return null;
  const open = idMapDelete(state.open, connectionId);
  const bySession = connection.sessions.reduce((counts, sessionId) => bumpCount(counts, sessionId, -1), state.bySession);
  const { connections } = state;
  return { ...state, open, bySession, connections: { ...connections, open: connections.open - 1, closed: connections.closed + 1 } };
}

function subscription(state: WebSocketStatusState, connectionId: unknown, sessionId: unknown, subscribe: boolean): WebSocketStatusState {
  if (!isText(connectionId) || !isText(sessionId)) return skip(state);
  const connection = idMapGet(state.open, connectionId);
  if (connection === undefined) return skip(state);
  const has = connection.sessions.includes(sessionId);
  if (has === subscribe) return state;
  const sessions = subscribe ? [...connection.sessions, sessionId] : connection.sessions.filter((id) => id !== sessionId);
  return { ...state, open: idMapSet(state.open, connectionId, { ...connection, sessions }), bySession: bumpCount(state.bySession, sessionId, subscribe ? 1 : -1) };
}

/** Folds one connection event; unknown types leave the state unchanged, malformed ones are counted in `skipped`. */
export function applyWebSocketStatus(state: WebSocketStatusState, event: WsStatusEvent): WebSocketStatusState {
  if (typeof event !== 'object' || event === null) return skip(state);
  const raw = event as { readonly [key: string]: unknown };
  switch (event.type) {
    case WS_STATUS_EVENT.connected: {
      const { connectionId, userId, at } = raw;
      if (!isText(connectionId) || !isText(userId) || typeof at !== 'number' || idMapGet(state.open, connectionId) !== undefined) return skip(state);
      const { connections } = state;
      return {
        ...state,
        open: idMapSet(state.open, connectionId, { userId, connectedAt: at, sessions: [] }),
        connections: { ...connections, open: connections.open + 1 },
        totalConnected: state.totalConnected + 1,
      };
    }
    case WS_STATUS_EVENT.disconnected: {
      const connectionId = raw['connectionId'];
      if (!isText(connectionId)) return skip(state);
      return close(state, connectionId) ?? state;
    }
    case WS_STATUS_EVENT.dropped: {
      const { connectionId, reason } = raw;
      if (!isText(connectionId) || !isText(reason)) return skip(state);
      const closed = close(state, connectionId);
      return closed === null ? skip(state) : { ...closed, dropped: bumpCount(closed.dropped, reason, 1) };
    }
    case WS_STATUS_EVENT.subscribed:
    case WS_STATUS_EVENT.unsubscribed:
      return subscription(state, raw['connectionId'], raw['sessionId'], event.type === WS_STATUS_EVENT.subscribed);
    case WS_STATUS_EVENT.refused:
      return { ...state, connections: { ...state.connections, refused: state.connections.refused + 1 } };
    default:
      return state;
  }
}

/** The `websocket-status` projection (fed by the server, not by the store host). */
export const webSocketStatusProjection: Projection<WebSocketStatusState, WsStatusEvent> = {
  name: WEBSOCKET_STATUS,
  initial: initialWebSocketStatus,
  apply: applyWebSocketStatus,
};
