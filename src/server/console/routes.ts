/**
 * `GET /console`: the operator console, served by the server itself from its built files (no second server, nothing
 * fetched from anywhere else). The page is revalidated on every load (ETag), the files it names carry their content
 * hash and are cached for good. A Content-Security-Policy keeps the page to this origin: scripts, styles and
 * connections (REST and the WebSocket) go nowhere else. Without a build the page says how to make one.
 */
import type { Route, RequestContext, HttpResponseSpec } from '../http/types.js';
import { API_ERROR_CODES, apiError } from '../errors.js';
import { loadConsoleAssets, type ConsoleAsset, type ConsoleAssets } from './assets.js';

/** Where the console lives. */
export const CONSOLE_PATH = '/console';

/** Only this origin: 'self' covers same-origin ws:/wss: connections in current browsers (CSP level 3). */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

const identity = (text: string): string => text;

function sendAsset(asset: ConsoleAsset, context: RequestContext): HttpResponseSpec {
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': asset.contentType,
    etag: asset.etag,
    'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  if (context.headers['if-none-match'] === asset.etag) return { status: 304, headers };
  return { status: 200, headers, body: asset.body, serialize: identity };
}

const MISSING_PAGE = (searched: readonly string[]): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aicli console: not built</title></head>
<body>
<h1>The console is not built</h1>
<p>This server has no console files. Build them with <code>npm run build</code> (which <code>npm start</code> runs
first) and restart the server. The REST API and the WebSocket work without it.</p>
<p>Looked in: ${searched.map((dir) => `<code>${dir.replace(/[<>&]/g, '')}</code>`).join(', ')}</p>
</body></html>
`;

/** The console's routes over `assets` (read from the built directory by default). */
export function consoleRoutes(assets: ConsoleAssets = loadConsoleAssets()): Route[] {
  const page = (context: RequestContext): HttpResponseSpec => {
    if (assets.kind === 'missing') {
      return { status: 503, headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: MISSING_PAGE(assets.searched), serialize: identity };
    }
    return sendAsset(assets.index, context);
  };
  return [
    { method: 'GET', pattern: CONSOLE_PATH, handler: page },
    { method: 'GET', pattern: `${CONSOLE_PATH}/`, handler: page },
    {
      method: 'GET',
      pattern: `${CONSOLE_PATH}/:file`,
      handler: (context) => {
        const asset = assets.kind === 'built' ? assets.files.get(context.params['file'] ?? '') : undefined;
        if (asset === undefined) return apiError(API_ERROR_CODES.notFound, `no console file ${context.path}`);
        return sendAsset(asset, context);
      },
    },
  ];
}
