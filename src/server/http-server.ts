/**
 * The uWebSockets.js server: builds the app (TLS when configured), mounts routes, listens, and shuts down
 * gracefully — stop accepting, let in-flight requests finish within the shutdown timeout, then close every
 * remaining connection.
 */
import uWS, { type TemplatedApp, type us_listen_socket } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { Config } from '../config/index.js';
import { InFlightCounter } from './http/exchange.js';
import { portInUse } from './port-probe.js';
import { mountRoutes } from './router.js';
import type { Route } from './http/types.js';
import type { ApiError } from './errors.js';

/** Why the server could not start listening: `inUse` when another process (another server) holds the port. */
export type ListenError = { readonly kind: 'ListenFailed'; readonly host: string; readonly port: number; readonly inUse: boolean; readonly reason: string };

/** Where the server ended up listening. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  readonly url: string;
}

/** A started or startable server. */
export interface HttpServer {
  /** The app, for later modules that add WebSocket behaviours. */
  readonly app: TemplatedApp;
  listen(): ResultAsync<ListenAddress, ListenError>;
  /** Graceful close; resolves true when every in-flight request finished before the timeout. */
  close(): Promise<boolean>;
  readonly inFlight: number;
}

// Present on the native app in this uWS build though missing from its typings: closes every open socket.
type ClosableApp = TemplatedApp & { close(): void };

// The native listen also takes (host, port, options, cb), though the typings only declare (port, options, cb);
// the option's value is exported by the module at run time, while the typings declare it in a type-only enum.
type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => void;
const EXCLUSIVE_PORT = (uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT?: number }).LIBUS_LISTEN_EXCLUSIVE_PORT ?? 1;

/** Optional parts of the server. */
export interface HttpServerOptions {
  /** Told of every response (the latency histogram). */
  readonly observe?: (method: string, route: string, status: number, seconds: number) => void;
  /** Told of every exception caught in an HTTP handler (`aicli_internal_errors_total{transport="http"}`). */
  readonly recordInternalError?: () => void;
  /** The per-address rate limit of requests (see `RouterOptions.limitAddress`). */
  readonly limitAddress?: (address: string) => ApiError | null;
}

/** Creates the server with its routes; nothing listens until {@link HttpServer.listen}. */
export function createHttpServer(config: Config, routes: readonly Route[], logger: Logger, options: HttpServerOptions = {}): HttpServer {
  const { server } = config;
  const app = server.tls.enabled
    ? uWS.SSLApp({
        cert_file_name: server.tls.cert_file,
        key_file_name: server.tls.key_file,
        ...(server.tls.passphrase === '' ? {} : { passphrase: server.tls.passphrase }),
        ...(server.tls.ca_file === '' ? {} : { ca_file_name: server.tls.ca_file }),
      })
    : uWS.App();
  const inFlight = new InFlightCounter();
  let draining = false;
  let listenSocket: us_listen_socket | null = null;

  mountRoutes(app, routes, {
    maxBodyBytes: server.max_body_size,
    cors: server.cors,
    logger,
    inFlight,
    draining: () => draining,
    ...(options.observe === undefined ? {} : { observe: options.observe }),
    ...(options.recordInternalError === undefined ? {} : { recordInternalError: options.recordInternalError }),
    ...(options.limitAddress === undefined ? {} : { limitAddress: options.limitAddress }),
  });

  return {
    app,
    get inFlight() {
      return inFlight.count;
    },
    listen() {
      let socket: us_listen_socket | false = false;
      // Exclusive: without it uWS sets SO_REUSEPORT, a second server on the same port starts "successfully" and
      // the kernel splits the connections between the two.
      (app.listen as unknown as ListenWithOptions).call(app, server.host, server.port, EXCLUSIVE_PORT, (result) => {
        socket = result;
      });
      if (socket === false) {
        const { host, port } = server;
        return ResultAsync.fromSafePromise(portInUse(host, port)).andThen((inUse) =>
          errAsync({ kind: 'ListenFailed', host, port, inUse, reason: inUse ? `port ${port} is in use` : 'the address is not available' } as const),
        );
      }
      listenSocket = socket;
      const port = uWS.us_socket_local_port(socket as never);
      const scheme = server.tls.enabled ? 'https' : 'http';
      const hostInUrl = server.host.includes(':') ? `[${server.host}]` : server.host;
      return okAsync({ host: server.host, port, url: `${scheme}://${hostInUrl}:${port}` });
    },
    async close() {
      if (draining) return true;
      draining = true;
      if (listenSocket !== null) uWS.us_listen_socket_close(listenSocket);
      listenSocket = null;
      const drained = await inFlight.whenIdle(server.shutdown_timeout);
      (app as ClosableApp).close();
      return drained;
    },
  };
}
