/** `GET /api/v1/openapi.json`: a valid OpenAPI 3.1 document covering every mounted route, true to the validators. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiServer, type ApiServer } from '../../src/server/api.js';
import type { Route } from '../../src/server/http/types.js';
import { apiKeyRoutes } from '../../src/server/routes/api-keys.js';
import { auditRoutes } from '../../src/server/routes/audit.js';
import { healthRoutes } from '../../src/server/routes/health.js';
import { OPENAPI_PATH, openApiPath } from '../../src/server/routes/openapi.js';
import { sessionRoutes } from '../../src/server/routes/sessions.js';
import { statusRoutes } from '../../src/server/routes/status.js';
import { meRoutes } from '../../src/server/routes/me.js';
import { streamRoutes } from '../../src/server/routes/streams.js';
import { tenantRoutes } from '../../src/server/routes/tenants.js';
import { startTestApi } from '../support/api-server.js';

const servers: ApiServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.ws.close();
    await server.http.close();
  }
});

type Operation = { operationId: string; requestBody?: { content: Record<string, { schema: unknown }> }; parameters?: Array<{ name: string; in: string; schema: unknown }>; responses: Record<string, unknown>; security?: unknown[] };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, unknown>>; security: unknown[] };

/** A server with the health route as `serve` mounts it, its routes, and its document as served. */
async function served(): Promise<{ url: string; routes: Route[]; document: Document; text: string }> {
  const api = await startTestApi();
  const health = healthRoutes({ version: '9.9.9', profile: 'basic', startedAt: new Date(), probes: [] });
  const server = createApiServer(api.deps, health);
  servers.push(server);
  const { url } = (await server.http.listen())._unsafeUnwrap();
  const response = await fetch(`${url}${OPENAPI_PATH}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const text = await response.text();
  const status = statusRoutes(api.deps, { metrics: server.metrics, websocket: () => undefined });
  return { url, routes: [...health, ...sessionRoutes(api.deps), ...status, ...apiKeyRoutes(api.deps), ...auditRoutes(api.deps), ...tenantRoutes(api.deps), ...meRoutes(api.deps), ...streamRoutes(api.deps)], document: JSON.parse(text) as Document, text };
}

/** Every `$ref` in `value`. */
function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => (key === '$ref' && typeof item === 'string' ? [item] : refs(item)));
}

describe('openapi document', () => {
  it('is OpenAPI 3.1 JSON listing every mounted route and method, and nothing else', async () => {
    const { routes, document } = await served();
    expect(document.openapi).toBe('3.1.0');
    const listed = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    const mounted = [...routes.map((route) => `${route.method} ${openApiPath(route.pattern)}`), `GET ${OPENAPI_PATH}`];
    expect(listed.sort()).toEqual(mounted.sort());
    expect(document.paths['/api/v1/health']?.['get']).toBeDefined();
    expect(document.paths['/api/v1/sessions/{id}/participants/{userId}']?.['delete']?.parameters?.map((parameter) => parameter.name)).toEqual(['id', 'userId']);
    const ids = Object.values(document.paths).flatMap((operations) => Object.values(operations).map((operation) => operation.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares the API key and bearer JWT schemes, and every reference resolves', async () => {
    const { document } = await served();
    expect(document.components['securitySchemes']).toEqual({
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      bearerJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    });
    expect(document.security).toEqual([{ apiKey: [] }, { bearerJwt: [] }]);
    expect(document.paths[OPENAPI_PATH]?.['get']?.security).toEqual([]);
    for (const ref of refs(document)) {
      const [, section, name] = /^#\/components\/(\w+)\/(\w+)$/.exec(ref) ?? [];
      expect(document.components[section ?? '']?.[name ?? ''], ref).toBeDefined();
    }
  });

  it('holds valid JSON Schemas, and each request schema is the one its route validates with', async () => {
    const { url, routes, document } = await served();
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: 'components', ...document.components['schemas'] });
    const documented = routes.filter((route) => route.docs?.body !== undefined || route.docs?.query !== undefined);
    expect(documented.length).toBeGreaterThanOrEqual(5);
    for (const route of documented) {
      const operation = document.paths[openApiPath(route.pattern)]![route.method.toLowerCase()]!;
      const path = route.pattern.replace(/:(\w+)/g, 'some-$1');
      if (route.docs?.body !== undefined) {
        const schema = operation.requestBody!.content['application/json']!.schema;
        expect(schema).toEqual(JSON.parse(JSON.stringify(route.docs.body)));
        expect(() => ajv.compile(schema as object)).not.toThrow();
        // The route refuses what the documented schema refuses, naming the same field.
        const response = await fetch(`${url}${path}`, { method: route.method, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ notInTheSchema: 1 }) });
        expect(response.status, `${route.method} ${route.pattern}`).toBe(400);
        const { error } = (await response.json()) as { error: { code: string; details: { problems: unknown[] } } };
        expect(error.code).toBe('validation_failed');
        expect(error.details.problems).toContainEqual({ field: 'notInTheSchema', message: 'unknown field' });
      }
      if (route.docs?.query !== undefined) {
        const names = Object.keys((route.docs.query as { properties: object }).properties);
        expect(operation.parameters!.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name)).toEqual(names);
        const response = await fetch(`${url}${path}?notInTheSchema=1`, { method: route.method });
        expect(response.status, `${route.method} ${route.pattern}`).toBe(400);
        expect(((await response.json()) as { error: unknown }).error).toMatchObject({ code: 'validation_failed', details: { field: 'notInTheSchema' } });
      }
    }
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations)) {
        for (const response of Object.values(operation.responses) as Array<{ content?: Record<string, { schema: object }> }>) {
          const schema = response.content?.['application/json']?.schema;
          if (schema !== undefined && !('$ref' in schema)) expect(() => ajv.compile(schema)).not.toThrow();
        }
      }
    }
  });
});
