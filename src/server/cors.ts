/**
 * Cross-origin resource sharing as pure decisions: which headers a response gets for a given Origin, and how
 * a preflight is answered. The router applies them; nothing here touches sockets.
 */
import type { Config } from '../config/index.js';

type CorsConfig = Config['server']['cors'];

/** Headers for an ordinary (non-preflight) response; empty when CORS is off or the origin is not allowed. */
export function corsHeaders(cors: CorsConfig, origin: string | undefined): [string, string][] {
  if (!cors.enabled || origin === undefined || origin === '' || !isOriginAllowed(cors, origin)) return [];
  const headers: [string, string][] = [
    ['access-control-allow-origin', cors.allowed_origins.includes('*') ? '*' : origin],
    ['vary', 'Origin'],
    // Without this a browser script cannot read the request id to quote it, nor when to retry after a 503.
    ['access-control-expose-headers', 'x-request-id, retry-after'],
  ];
  if (cors.allow_credentials) headers.push(['access-control-allow-credentials', 'true']);
  return headers;
}

/** The answer to an OPTIONS preflight: allowed with its headers, or refused because of the origin. */
export type PreflightAnswer =
  | { readonly allowed: true; readonly headers: [string, string][] }
  | { readonly allowed: false; readonly reason: string };

/** Decides a preflight for a route that supports `routeMethods`; the headers come on top of {@link corsHeaders}. */
export function answerPreflight(cors: CorsConfig, origin: string, requestedMethod: string, routeMethods: readonly string[]): PreflightAnswer {
  if (!isOriginAllowed(cors, origin)) return { allowed: false, reason: `origin ${origin} is not allowed` };
  const method = requestedMethod.toUpperCase();
  const permitted = routeMethods.filter((m) => cors.allowed_methods.some((allowed) => allowed.toUpperCase() === m));
  if (!permitted.includes(method)) {
    return { allowed: false, reason: `method ${method} is not allowed for this resource` };
  }
  return {
    allowed: true,
    headers: [
      ['access-control-allow-methods', permitted.join(', ')],
      ['access-control-allow-headers', cors.allowed_headers.join(', ')],
      ['access-control-max-age', String(Math.floor(cors.max_age / 1000))],
    ],
  };
}

function isOriginAllowed(cors: CorsConfig, origin: string): boolean {
  return cors.enabled && (cors.allowed_origins.includes('*') || cors.allowed_origins.includes(origin));
}
