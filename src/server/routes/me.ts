/** `GET /api/v1/me`: who the caller is (user, tenant, server role, how they signed in) and what their role may do. */
import { Type } from '@sinclair/typebox';
import type { ApiDeps } from '../api-deps.js';
import { PERMISSION, ROLE_PERMISSIONS } from '../auth/index.js';
import type { Route } from '../http/types.js';
import { declareRoute } from './session-route.js';

/** `200` of `GET /me`. */
export const Me = Type.Object({
  userId: Type.String(),
  tenant: Type.String(),
  role: Type.String({ description: 'The server role: admin, operator, user or viewer.' }),
  via: Type.String({ description: 'How the caller was identified: `api_key`, `jwt`, or `open` (auth off).' }),
  permissions: Type.Array(Type.String(), { description: 'What the role may do (`sessions:use`, `status:read` …).' }),
});

/** The route. */
export function meRoutes(deps: Pick<ApiDeps, 'auth'>): Route[] {
  return [
    declareRoute(deps.auth, {
      method: 'GET',
      pattern: '/api/v1/me',
      permission: PERMISSION.readSessions,
      docs: { summary: 'Who the caller is: user, tenant, server role and its permissions', tags: ['auth'], responses: { 200: { description: 'The caller', schema: Me } } },
      handle: async ({ identity }) => ({
        status: 200,
        headers: { 'cache-control': 'no-store' },
        body: { userId: identity.userId, tenant: identity.tenant, role: identity.role, via: identity.via, permissions: [...ROLE_PERMISSIONS[identity.role]] },
      }),
    }),
  ];
}
