/**
 * Mounts routes on a uWebSockets.js app. Each URL pattern gets one `any` handler that dispatches on the method
 * in JavaScript, which gives correct 405s (with `Allow`), HEAD for every GET, and OPTIONS/CORS preflights in
 * one place; a catch-all answers 404. Handlers see a plain {@link RequestContext}, never uWS objects.
 *
 * Every request gets a request id (the client's sane `x-request-id`, or a fresh one), sent back as
 * `x-request-id`. No exception escapes to the process: whatever throws — synchronously or not, while routing,
 * reading or parsing the body, in a handler, while answering, in the 404 catch-all or OPTIONS — is logged with
 * the request id, counted (`recordInternalError`) and answered `500 internal_error` if nothing was sent yet.
 * Before anything else is done for it, a request is checked against the per-address rate limit (`limitAddress`;
 * probe routes and the shutdown answer excepted).
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from './errors.js';
import { Exchange, type InFlightCounter } from './http/exchange.js';
import { parseJsonBody, readBody } from './http/body.js';
import { remoteAddressText } from './http/remote-address.js';
import { checkHead, copyHead, decodeParams, type RequestHead } from './http/request-head.js';
import { isApiError, type RequestContext, type Route } from './http/types.js';
import { answerPreflight, corsHeaders } from './cors.js';

/** What the router needs from the server around it. */
export interface RouterOptions {
  readonly maxBodyBytes: number;
  readonly cors: Config['server']['cors'];
  readonly logger: Logger;
  readonly inFlight: InFlightCounter;
  /** True while shutting down: requests get 503 and the connection is closed. */
  readonly draining: () => boolean;
  /** Told of every response: method, route pattern (`*` for unmatched), status and seconds taken. */
  readonly observe?: (method: string, route: string, status: number, seconds: number) => void;
  /** Told of every exception caught in a handler (a bug, answered with `internal_error`). */
  readonly recordInternalError?: () => void;
  /** The per-address rate limit: takes a token of the request's remote address, or answers why not (429). */
  readonly limitAddress?: (address: string) => ApiError | null;
}

/**
 * An exchange that sends the request id and CORS headers and reports its response to `options.observe`, and at
 * log level `debug` logs it (`requestId`: the `metadata.correlationId` of the session events it stored).
 */
function observedExchange(res: HttpResponse, head: RequestHead, pattern: string, options: RouterOptions): Exchange {
  const started = performance.now();
  const { observe, logger } = options;
  const logged = logger.isLevelEnabled('debug');
  return new Exchange(
    res,
    options.inFlight,
    [...corsHeaders(options.cors, head.headers['origin']), ['x-request-id', head.requestId]],
    options.draining,
    observe === undefined && !logged
      ? undefined
      : (status) => {
          const seconds = (performance.now() - started) / 1000;
          observe?.(head.method, pattern, status, seconds);
          if (logged) logger.debug({ requestId: head.requestId, method: head.method, route: pattern, status, ms: Math.round(seconds * 1e4) / 10 }, 'HTTP request');
        },
  );
}

/** A pattern's methods: those a request or preflight may ask for, and the `Allow` header listing them and OPTIONS. */
interface AllowedMethods {
  readonly answerable: readonly string[];
  readonly header: string;
}

/** Registers `routes` and the 404 catch-all on `app`. */
export function mountRoutes(app: TemplatedApp, routes: readonly Route[], options: RouterOptions): void {
  const byPattern = new Map<string, Route[]>();
  for (const route of routes) byPattern.set(route.pattern, [...(byPattern.get(route.pattern) ?? []), route]);

  for (const [pattern, patternRoutes] of byPattern) {
    const paramNames = [...pattern.matchAll(/:(\w+)/g)].map((match) => match[1]!);
    const methods = patternRoutes.map((route) => route.method);
    const answerable = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])];
    const allowed: AllowedMethods = { answerable, header: [...answerable, 'OPTIONS'].join(', ') };
    const limited = !patternRoutes.every((route) => route.probe === true);
    app.any(pattern, guarded(pattern, options, (exchange, head, req) => dispatch(exchange, head, req, patternRoutes, paramNames, allowed, limited, options)));
  }

  app.any(
    '/*',
    guarded('*', options, (exchange, head) => {
      if (refusedByAddress(exchange, head, options)) return;
      exchange.sendError(apiError(API_ERROR_CODES.notFound, `no route for ${head.method} ${head.url}`), {}, { bodyless: head.method === 'HEAD' });
    }),
  );
}

type Handle = (exchange: Exchange, head: RequestHead, req: HttpRequest) => void;

/** A uWS handler that copies and checks the request head, then runs `handle`; nothing thrown escapes it. */
function guarded(pattern: string, options: RouterOptions, handle: Handle): (res: HttpResponse, req: HttpRequest) => void {
  return (res, req) => {
    let head: RequestHead | undefined;
    let exchange: Exchange | undefined;
    try {
      head = copyHead(req, res);
      exchange = observedExchange(res, head, pattern, options);
      const refused = checkHead(head);
      if (refused !== undefined) {
        exchange.sendError(refused.error, {}, { close: refused.close, bodyless: head.method === 'HEAD' });
        return;
      }
      handle(exchange, head, req);
    } catch (error) {
      // Without an exchange uWS would also be left with neither a response nor an abort handler.
      handlerFailed(exchange ?? new Exchange(res, options.inFlight, head === undefined ? [] : [['x-request-id', head.requestId]]), error, head, options);
    }
  };
}

function dispatch(
  exchange: Exchange,
  head: RequestHead,
  req: HttpRequest,
  routes: readonly Route[],
  paramNames: readonly string[],
  allowed: AllowedMethods,
  limited: boolean,
  options: RouterOptions,
): void {
  const { method } = head;
  if (options.draining()) {
    exchange.sendError(apiError(API_ERROR_CODES.unavailable, 'server is shutting down'), { 'retry-after': '1' }, { close: true });
    return;
  }
  if (limited && refusedByAddress(exchange, head, options)) return;
  if (method === 'OPTIONS') {
    answerOptions(exchange, head, allowed, options);
    return;
  }
  const route = routes.find((candidate) => candidate.method === method || (method === 'HEAD' && candidate.method === 'GET'));
  if (route === undefined) {
    exchange.sendError(apiError(API_ERROR_CODES.methodNotAllowed, `${method} is not allowed on ${head.url}; allowed: ${allowed.header}`), { allow: allowed.header });
    return;
  }
  const bodyless = method === 'HEAD';
  // The uWS request is only valid until this function returns: copy what handlers need now.
  const params = decodeParams(paramNames, paramNames.map((_, index) => req.getParameter(index) ?? ''));
  if (params.isErr()) {
    exchange.sendError(params.error, {}, { bodyless });
    return;
  }
  const base = { method, path: head.url, query: new URLSearchParams(head.query), params: params.value, headers: head.headers, requestId: head.requestId, remoteAddress: head.remoteAddress };

  if (!route.readsBody) {
    void respond(exchange, route, { ...base, body: undefined }, bodyless, head, options);
    return;
  }
  const declared = head.headers['content-length'] === undefined ? null : Number(head.headers['content-length']);
  readBody(exchange, declared, options.maxBodyBytes)
    .then((bytes) => {
      if (bytes === null) return;
      // An oversized body is answered before it is read: close so its remaining bytes are not parsed as a request.
      if (bytes.isErr()) return exchange.sendError(bytes.error, {}, { close: true });
      const body = parseJsonBody(bytes.value, head.headers['content-type']);
      if (body.isErr()) return exchange.sendError(body.error);
      return respond(exchange, route, { ...base, body: body.value }, false, head, options);
    })
    .catch((error: unknown) => handlerFailed(exchange, error, head, options));
}

/** Answers 429 when the request's address is over its rate limit (the connection stays open); true if it did. */
function refusedByAddress(exchange: Exchange, head: RequestHead, options: RouterOptions): boolean {
  if (options.limitAddress === undefined) return false;
  const refused = options.limitAddress(remoteAddressText(exchange.res.getRemoteAddressAsText()));
  if (refused === null) return false;
  exchange.sendError(refused, refused.headers ?? {}, { bodyless: head.method === 'HEAD' });
  return true;
}

async function respond(exchange: Exchange, route: Route, context: RequestContext, bodyless: boolean, head: RequestHead, options: RouterOptions): Promise<void> {
  try {
    const result = await route.handler(context);
    if (isApiError(result)) return exchange.sendError(result, result.headers ?? {}, { bodyless });
    const body = result.body === undefined ? '' : result.serialize ? result.serialize(result.body as never) : JSON.stringify(result.body);
    exchange.send(result.status, body, result.headers, { bodyless });
  } catch (error) {
    handlerFailed(exchange, error, head, options);
  }
}

/**
 * Reports an exception caught in a handler: counts it, logs it with the request id, and answers 500 unless a
 * response was already sent (or the exchange dropped a half-written one). Never throws: a failure while
 * reporting is logged and swallowed, since throwing into uWS would end the process.
 */
function handlerFailed(exchange: Exchange, error: unknown, head: RequestHead | undefined, options: RouterOptions): void {
  const where = { requestId: head?.requestId, method: head?.method, path: head?.url };
  const steps = [
    () => options.recordInternalError?.(),
    () => options.logger.error({ err: error, ...where }, 'HTTP handler failed'),
    () => {
      if (exchange.open) exchange.sendError(apiError(API_ERROR_CODES.internal, 'internal error'), {}, { bodyless: head?.method === 'HEAD' });
    },
  ];
  for (const step of steps) {
    try {
      step();
    } catch (secondary) {
      try {
        options.logger.error({ err: secondary, ...where }, 'HTTP handler failed while reporting a failure');
      } catch {
        // The logger itself failed: there is nowhere left to report to.
      }
    }
  }
}

function answerOptions(exchange: Exchange, head: RequestHead, allowed: AllowedMethods, options: RouterOptions): void {
  const origin = head.headers['origin'] ?? '';
  const requested = head.headers['access-control-request-method'] ?? '';
  if (origin === '' || requested === '' || !options.cors.enabled) {
    exchange.send(204, '', { allow: allowed.header });
    return;
  }
  const answer = answerPreflight(options.cors, origin, requested, allowed.answerable);
  if (answer.allowed) exchange.send(204, '', Object.fromEntries(answer.headers));
  else exchange.sendError(apiError(API_ERROR_CODES.originNotAllowed, `CORS preflight refused: ${answer.reason}`));
}
