/**
 * The WebSocket endpoint `/api/v1/ws` (protocol documented in docs/websocket.md): `mountWebSocket` mounts it on
 * the API's uWebSockets.js app and returns the hub that counts and closes its connections.
 */
import type { TemplatedApp } from 'uWebSockets.js';
import type { ApiDeps } from '../api-deps.js';
import type { Identity } from '../auth/index.js';
import type { RateLimits } from '../rate-limit/index.js';
import { handleFrame } from './handlers.js';
import { mountHub, type InternalErrorCounter, type WebSocketStatus } from './hub.js';

export { watchKeyRevocations } from './key-revocation.js';
export { WS_PATH, CLIENT_FRAME, SERVER_FRAME, WS_CLOSE, WS_CLOSE_REASON, PRESENCE_STATUS } from './protocol.js';
export type { InternalErrorCounter, WebSocketStatus } from './hub.js';

/** The WebSocket endpoint's handle. */
export interface WebSocketHub {
  /** Counters: open/closed/refused connections, subscribers per session, drops by reason. */
  status(): WebSocketStatus;
  /** Closes every open connection whose identity matches `predicate` with `code` and `reason`, counted as drop `drop`; returns how many. */
  closeWhere(predicate: (identity: Identity) => boolean, code: number, reason: string, drop: string): number;
  /** Closes every connection with 1001 `server shutting down`, stops the heartbeat and the store subscription. */
  close(): void;
}

/**
 * Mounts `/api/v1/ws` on `app`; exceptions caught in its handlers are counted in `metrics`; upgrades and `send`
 * frames are checked against `limits` (by default, limits of its own built from the config).
 */
export function mountWebSocket(app: TemplatedApp, deps: ApiDeps, metrics: InternalErrorCounter, limits?: RateLimits): WebSocketHub {
  return mountHub(app, deps, handleFrame, metrics, limits);
}
