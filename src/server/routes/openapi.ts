/**
 * An OpenAPI 3.1 document generated from the mounted routes' `docs` (see `RouteDocs`), and the route serving
 * it, `GET /api/v1/openapi.json`. Request schemas in the document are the very TypeBox schemas the routes
 * validate with; routes without docs still appear, with a bare entry. The document is built once, when the
 * routes are.
 */
import { PACKAGE_VERSION } from '../../config/package-info.js';
import type { JsonSchema, Route, RouteDocs } from '../http/types.js';
import { ErrorBody } from './schemas.js';

/** Where the document is served. */
export const OPENAPI_PATH = '/api/v1/openapi.json';

/** Names of the security schemes in the document. */
export const SECURITY_SCHEME = { apiKey: 'apiKey', bearer: 'bearerJwt' } as const;

/** An OpenAPI document, as plain JSON. */
export type OpenApiDocument = Record<string, unknown>;

const ERROR_DESCRIPTION: Readonly<Record<number, string>> = {
  400: 'Malformed request: `invalid_json`, `validation_failed` (details name the field) or `bad_request` (a path parameter that is not valid percent-encoded UTF-8, a repeated single-valued header)',
  401: 'Missing or invalid credentials',
  403: 'The caller\'s role or session role does not allow this',
  404: 'No such session (or one the caller may not know of)',
  409: 'Conflicts with the session\'s state',
  413: 'Body larger than `server.max_body_size`',
  414: 'URL (path and query) over 4 KiB',
  415: 'Body not `application/json`, or without a `content-type`',
  422: 'A revision beyond the head of the session\'s stream (`revision_out_of_range`; `details.last` is the head)',
  429: 'Over capacity (`too_many_requests`) or over a rate limit (`rate_limited`); `Retry-After` says when to come back',
  500: 'A bug; details are logged, not sent',
  503: 'Shutting down or a dependency is unavailable; `Retry-After` when waiting helps',
};

// JSON round trip: TypeBox schemas carry symbol keys that are not part of the JSON Schema.
const plain = (schema: JsonSchema): JsonSchema => JSON.parse(JSON.stringify(schema)) as JsonSchema;

/** `/api/v1/sessions/:id` → `/api/v1/sessions/{id}`. */
export function openApiPath(pattern: string): string {
  return pattern.replace(/:(\w+)/g, '{$1}');
}

function parameters(route: Route, docs: RouteDocs | undefined): unknown[] {
  const inPath = [...route.pattern.matchAll(/:(\w+)/g)].map((match) => ({
    name: match[1]!,
    in: 'path',
    required: true,
    schema: { type: 'string' },
    ...(docs?.params?.[match[1]!] === undefined ? {} : { description: docs.params[match[1]!] }),
  }));
  const query = docs?.query as { properties?: Record<string, JsonSchema>; required?: string[] } | undefined;
  const inQuery = Object.entries(query?.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: query?.required?.includes(name) ?? false,
    schema: plain(schema),
    ...(typeof schema['description'] === 'string' ? { description: schema['description'] } : {}),
  }));
  return [...inPath, ...inQuery];
}

function responses(route: Route, docs: RouteDocs): Record<string, unknown> {
  const success = Object.fromEntries(
    Object.entries(docs.responses).map(([status, response]) => [
      status,
      {
        description: response.description,
        ...(response.schema === undefined ? {} : { content: { 'application/json': { schema: plain(response.schema) } } }),
        ...(response.headers === undefined ? {} : { headers: Object.fromEntries(Object.entries(response.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) }),
      },
    ]),
  );
  const guarded = docs.auth !== undefined && docs.auth !== 'none';
  const statuses = new Set<number>([
    ...(route.readsBody === true || docs.query !== undefined || route.pattern.includes(':') ? [400] : []),
    ...(guarded ? [401] : []),
    ...(route.readsBody === true ? [413, 415] : []),
    414,
    // Any request may meet a rate limit (per address, then per caller), except a probe's (health, metrics) when unguarded.
    ...(route.probe === true && !guarded ? [] : [429]),
    ...(docs.errors ?? []),
    500,
    503,
  ]);
  const failures = Object.fromEntries([...statuses].sort((a, b) => a - b).map((status) => [String(status), { $ref: `#/components/responses/Error${status}` }]));
  return { ...success, ...failures };
}

function operation(route: Route): Record<string, unknown> {
  const docs = route.docs;
  const operationId = `${route.method.toLowerCase()}${openApiPath(route.pattern).replace(/[^A-Za-z0-9]+(\w)?/g, (_all, next: string | undefined) => (next ?? '').toUpperCase())}`;
  const params = parameters(route, docs);
  if (docs === undefined) return { operationId, summary: `${route.method} ${route.pattern}`, ...(params.length === 0 ? {} : { parameters: params }), responses: { default: { description: 'Undocumented' } } };
  return {
    operationId,
    summary: docs.summary,
    ...(docs.description === undefined ? {} : { description: docs.description }),
    ...(docs.tags === undefined ? {} : { tags: [...docs.tags] }),
    ...(params.length === 0 ? {} : { parameters: params }),
    ...(docs.body === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: plain(docs.body) } } } }),
    responses: responses(route, docs),
    ...(docs.auth === undefined || docs.auth === 'none' ? { security: [] } : { 'x-permission': docs.auth.permission }),
  };
}

/** The OpenAPI 3.1 document describing `routes`. */
export function openApiDocument(routes: readonly Route[], version: string = PACKAGE_VERSION): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.pattern);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
  }
  const errorStatuses = Object.keys(ERROR_DESCRIPTION).map(Number);
  return {
    openapi: '3.1.0',
    info: {
      title: 'aicli API',
      version,
      description: 'Supervised Claude Code sessions. With `auth.enabled: false` no credentials are needed and callers name themselves with `x-user-id` / `x-tenant-id`.',
    },
    paths,
    components: {
      schemas: { Error: plain(ErrorBody) },
      responses: Object.fromEntries(
        errorStatuses.map((status) => [`Error${status}`, { description: ERROR_DESCRIPTION[status], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
      ),
      securitySchemes: {
        [SECURITY_SCHEME.apiKey]: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        [SECURITY_SCHEME.bearer]: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
    security: [{ [SECURITY_SCHEME.apiKey]: [] }, { [SECURITY_SCHEME.bearer]: [] }],
  };
}

/** `GET /api/v1/openapi.json`, describing `routes` and itself. Public: it says what exists, not what is in it. */
export function openApiRoutes(routes: readonly Route[], version: string = PACKAGE_VERSION): Route[] {
  let serialized = '';
  const self: Route = {
    method: 'GET',
    pattern: OPENAPI_PATH,
    docs: { summary: 'This OpenAPI 3.1 document', tags: ['meta'], auth: 'none', responses: { 200: { description: 'The document', schema: { type: 'object' } } } },
    handler: () => ({ status: 200, body: serialized, serialize: () => serialized }),
  };
  serialized = JSON.stringify(openApiDocument([...routes, self], version));
  return [self];
}
