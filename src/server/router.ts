/**
 * Mounts routes on a uWebSockets.js app. Each URL pattern gets one `any` handler that dispatches on the method
 * in JavaScript, which gives correct 405s (with `Allow`), HEAD for every GET, and OPTIONS/CORS preflights in
 * one place; a catch-all answers 404. Handlers see a plain {@link RequestContext}, never uWS objects.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { API_ERROR_CODES, apiError } from './errors.js';
import { Exchange, type InFlightCounter } from './http/exchange.js';
import { parseJsonBody, readBody } from './http/body.js';
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
}

/** An exchange that reports its response to `options.observe`. */
function observedExchange(res: HttpResponse, req: HttpRequest, pattern: string, options: RouterOptions): Exchange {
  const method = req.getMethod().toUpperCase();
  const started = performance.now();
  const observe = options.observe;
  return new Exchange(
    res,
    options.inFlight,
    corsHeaders(options.cors, req.getHeader('origin')),
    options.draining,
    observe === undefined ? undefined : (status) => observe(method, pattern, status, (performance.now() - started) / 1000),
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
    app.any(pattern, (res, req) => dispatch(res, req, pattern, patternRoutes, paramNames, allowed, options));
  }

  app.any('/*', (res, req) => {
    const exchange = observedExchange(res, req, '*', options);
    exchange.sendError(apiError(API_ERROR_CODES.notFound, `no route for ${req.getMethod().toUpperCase()} ${req.getUrl()}`), {}, { bodyless: req.getMethod() === 'head' });
  });
}

function dispatch(
  res: HttpResponse,
  req: HttpRequest,
  pattern: string,
  routes: readonly Route[],
  paramNames: readonly string[],
  allowed: AllowedMethods,
  options: RouterOptions,
): void {
  const method = req.getMethod().toUpperCase();
  const origin = req.getHeader('origin');
  const exchange = observedExchange(res, req, pattern, options);

  if (options.draining()) {
    exchange.sendError(apiError(API_ERROR_CODES.unavailable, 'server is shutting down'), { 'retry-after': '1' }, { close: true });
    return;
  }
  if (method === 'OPTIONS') {
    answerOptions(exchange, req, origin, allowed, options);
    return;
  }
  const route = routes.find((candidate) => candidate.method === method || (method === 'HEAD' && candidate.method === 'GET'));
  if (route === undefined) {
    exchange.sendError(apiError(API_ERROR_CODES.methodNotAllowed, `${method} is not allowed on ${req.getUrl()}; allowed: ${allowed.header}`), { allow: allowed.header });
    return;
  }

  // The uWS request is only valid until this function returns: copy what handlers need now.
  const headers: Record<string, string> = {};
  req.forEach((name, value) => {
    headers[name] = value;
  });
  const params: Record<string, string> = {};
  paramNames.forEach((name, index) => {
    params[name] = decodeURIComponent(req.getParameter(index) ?? '');
  });
  const base = { method, path: req.getUrl(), query: new URLSearchParams(req.getQuery() ?? ''), params, headers };
  const bodyless = method === 'HEAD';

  if (!route.readsBody) {
    void respond(exchange, route, { ...base, body: undefined }, bodyless, options.logger);
    return;
  }
  const declared = headers['content-length'] === undefined ? null : Number(headers['content-length']);
  void readBody(exchange, declared, options.maxBodyBytes).then((bytes) => {
    if (bytes === null) return;
    // An oversized body is answered before it is read: close so its remaining bytes are not parsed as a request.
    if (bytes.isErr()) return exchange.sendError(bytes.error, {}, { close: true });
    const body = parseJsonBody(bytes.value, headers['content-type']);
    if (body.isErr()) return exchange.sendError(body.error);
    return respond(exchange, route, { ...base, body: body.value }, false, options.logger);
  });
}

async function respond(exchange: Exchange, route: Route, context: RequestContext, bodyless: boolean, logger: Logger): Promise<void> {
  try {
    const result = await route.handler(context);
    if (isApiError(result)) return exchange.sendError(result, result.headers ?? {}, { bodyless });
    const body = result.body === undefined ? '' : result.serialize ? result.serialize(result.body as never) : JSON.stringify(result.body);
    exchange.send(result.status, body, result.headers, { bodyless });
  } catch (error) {
    logger.error({ err: error, method: context.method, path: context.path }, 'route handler failed');
    exchange.sendError(apiError(API_ERROR_CODES.internal, 'internal error'), {}, { bodyless });
  }
}

function answerOptions(exchange: Exchange, req: HttpRequest, origin: string, allowed: AllowedMethods, options: RouterOptions): void {
  const requested = req.getHeader('access-control-request-method');
  if (origin === '' || requested === '' || !options.cors.enabled) {
    exchange.send(204, '', { allow: allowed.header });
    return;
  }
  const answer = answerPreflight(options.cors, origin, requested, allowed.answerable);
  if (answer.allowed) exchange.send(204, '', Object.fromEntries(answer.headers));
  else exchange.sendError(apiError(API_ERROR_CODES.originNotAllowed, `CORS preflight refused: ${answer.reason}`));
}
