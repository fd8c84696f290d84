import { describe, expect, it } from 'vitest';
import type { Route } from '../http/types.js';
import { openApiDocument, openApiPath, openApiRoutes } from './openapi.js';
import { SendMessageBody } from './schemas.js';

const handler = () => ({ status: 204 });
const routes: Route[] = [
  { method: 'GET', pattern: '/plain', handler },
  {
    method: 'POST',
    pattern: '/things/:id/messages',
    readsBody: true,
    handler,
    docs: { summary: 'Send', auth: { permission: 'sessions:use' }, params: { id: 'Thing id' }, body: SendMessageBody, responses: { 202: { description: 'ok' } }, errors: [404] },
  },
];

describe('openapi', () => {
  it('turns uWS patterns into OpenAPI paths', () => {
    expect(openApiPath('/a/:id/b/:userId')).toBe('/a/{id}/b/{userId}');
  });

  it('documents a route from its docs, as plain JSON with the validating schema', () => {
    const document = openApiDocument(routes, '1.2.3') as { info: { version: string }; paths: Record<string, Record<string, any>> };
    expect(document.info.version).toBe('1.2.3');
    const send = document.paths['/things/{id}/messages']!['post'];
    expect(send.requestBody.content['application/json'].schema).toEqual(JSON.parse(JSON.stringify(SendMessageBody)));
    expect(send.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Thing id' }]);
    expect(Object.keys(send.responses)).toEqual(['202', '400', '401', '404', '413', '414', '415', '429', '500', '503']);
    expect(send['x-permission']).toBe('sessions:use');
    expect(document.paths['/plain']!['get']).toMatchObject({ operationId: 'getPlain', responses: { default: { description: 'Undocumented' } } });
  });

  it('serves a document that lists itself', async () => {
    const [self] = openApiRoutes(routes, '1.2.3');
    const response = (await self!.handler({ method: 'GET', path: '/api/v1/openapi.json', query: new URLSearchParams(), params: {}, headers: {}, body: undefined, requestId: 'test' })) as { body: string };
    expect(Object.keys((JSON.parse(response.body) as { paths: object }).paths)).toEqual(['/plain', '/things/{id}/messages', '/api/v1/openapi.json']);
  });
});
