/**
 * `/api/v1/api-keys`: admins create, list and revoke the API keys kept in the event store (`apikeys` stream). A new
 * key is in the create answer only; lists show its last four characters. A change is answered once the server's
 * projection has folded it, so a revoked key is refused from the answer on (and WebSocket connections it opened
 * are closed, see ws/key-revocation.ts). Keys from `auth.api_keys` are configuration and not managed here.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { ApiKeyRecord } from '../../../projections/index.js';
import { API_KEYS, listApiKeys } from '../../../projections/index.js';
import { SERVER_ROLES } from '../../config/schema.js';
import { foldedTo } from '../../projections/index.js';
import { formatStoreError, isWrongExpectedVersion } from '../../store/index.js';
import { AUDIT_ACTION } from '../../../machines/index.js';
import type { ApiDeps } from '../api-deps.js';
import { audited, decisionOf } from '../audit-entry.js';
import { API_KEY_PREFIX, createApiKey, OPEN_IDENTITY, PERMISSION, revokeApiKey, type ApiKeyCommandError } from '../auth/index.js';
import { API_ERROR_CODES as C, apiError, type ApiError } from '../errors.js';
import type { Route } from '../http/types.js';
import { storeUnavailableError } from '../pool-errors.js';
import { declareRoute } from './session-route.js';

/** Where the key API lives. */
export const API_KEYS_PATH = '/api/v1/api-keys';

/** How long a change waits for the projection to fold it before answering anyway (the change is stored). */
const FOLD_WAIT_MS = 5_000;

const TAGS = ['api-keys'];

/** `POST /api-keys`. */
export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$', description: 'The user the key acts as.' }),
    role: Type.Unsafe<(typeof SERVER_ROLES)[number]>({ type: 'string', enum: [...SERVER_ROLES] }),
    tenant: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$', description: 'Default `default`.' })),
  },
  { additionalProperties: false },
);

/** A key as listed (never the key itself). */
export const ApiKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  tenant: Type.String(),
  prefix: Type.String(),
  last4: Type.String(),
  createdAt: Type.Number({ description: 'Epoch milliseconds.' }),
  createdBy: Type.String(),
  revoked: Type.Boolean(),
  revokedAt: Type.Union([Type.Number(), Type.Null()]),
});

const CreatedApiKey = Type.Object({ key: Type.String({ description: 'The key; shown this once only.' }), apiKey: ApiKeyView });
const ApiKeyList = Type.Object({ apiKeys: Type.Array(ApiKeyView) });
const RevokedApiKey = Type.Object({ apiKey: ApiKeyView });

/** The listed form of `record`. */
export function apiKeyView(record: ApiKeyRecord): Static<typeof ApiKeyView> {
  const { id, name, role, tenant, last4, createdAt, createdBy, revokedAt } = record;
  return { id, name, role, tenant, prefix: API_KEY_PREFIX, last4, createdAt, createdBy, revoked: revokedAt !== null, revokedAt };
}

/** The client-facing form of a key command's error. */
export function apiKeyErrorToApi(error: ApiKeyCommandError): ApiError {
  switch (error.kind) {
    case 'InvalidKeyRequest':
      return apiError(C.validationFailed, error.message);
    case 'KeyNotFound':
      return apiError(C.notFound, `no API key ${error.id}`);
    case 'KeyAlreadyRevoked':
      return apiError(C.conflict, `API key ${error.id} is already revoked`, { revokedAt: error.revokedAt });
    case 'KeyStoreFailed':
      return isWrongExpectedVersion(error.error)
        ? apiError(C.conflict, 'API keys are being changed concurrently; try again')
        : storeUnavailableError(`cannot store the API key change: ${formatStoreError(error.error)}`);
  }
}

/** The key routes (admins only). */
export function apiKeyRoutes(deps: ApiDeps): Route[] {
  const { auth, store, projections, clock, logger, audit } = deps;
  const settled = async (position: bigint): Promise<void> => {
    if (!(await foldedTo(projections, position, FOLD_WAIT_MS))) logger.warn({ position: String(position) }, 'api keys: the change is stored but not yet folded');
  };
  return [
    declareRoute(auth, {
      method: 'POST',
      pattern: API_KEYS_PATH,
      permission: PERMISSION.manageApiKeys,
      body: CreateApiKeyBody,
      docs: { summary: 'Create an API key (the key is in this answer only)', tags: TAGS, responses: { 201: { description: 'The new key', schema: CreatedApiKey } }, errors: [403, 409] },
      handle: async ({ context, body, identity }) => {
        const created = await createApiKey(store, body, { by: identity.userId, now: clock.now() });
        audit.record(audited(AUDIT_ACTION.apiKeyCreated, identity, context, { userId: body.name, role: body.role, tenant: body.tenant ?? OPEN_IDENTITY.tenant, ...(created.isOk() ? { keyId: created.value.record.id } : {}) }, decisionOf(created.mapErr(apiKeyErrorToApi))));
        if (created.isErr()) return apiKeyErrorToApi(created.error);
        await settled(created.value.position);
        return { status: 201, body: { key: created.value.key, apiKey: apiKeyView(created.value.record) } };
      },
    }),
    declareRoute(auth, {
      method: 'GET',
      pattern: API_KEYS_PATH,
      permission: PERMISSION.manageApiKeys,
      docs: { summary: 'List the API keys created at run time, revoked ones included', tags: TAGS, responses: { 200: { description: 'The keys, oldest first', schema: ApiKeyList } }, errors: [403] },
      handle: ({ context, identity }) => {
        audit.record(audited(AUDIT_ACTION.apiKeysListed, identity, context));
        return Promise.resolve({ status: 200, body: { apiKeys: listApiKeys(projections.state(API_KEYS)).map(apiKeyView) } });
      },
    }),
    declareRoute(auth, {
      method: 'DELETE',
      pattern: `${API_KEYS_PATH}/:id`,
      permission: PERMISSION.manageApiKeys,
      docs: {
        summary: 'Revoke an API key: it is refused from this answer on, and WebSocket connections it opened are closed (4001)',
        tags: TAGS,
        params: { id: 'The key id' },
        responses: { 200: { description: 'The revoked key', schema: RevokedApiKey } },
        errors: [403, 404, 409],
      },
      handle: async ({ context, identity }) => {
        const revoked = await revokeApiKey(store, context.params['id'] ?? '', { by: identity.userId, now: clock.now() });
        audit.record(audited(AUDIT_ACTION.apiKeyRevoked, identity, context, { keyId: context.params['id'] ?? '' }, decisionOf(revoked.mapErr(apiKeyErrorToApi))));
        if (revoked.isErr()) return apiKeyErrorToApi(revoked.error);
        await settled(revoked.value.position);
        return { status: 200, body: { apiKey: apiKeyView(revoked.value.record) } };
      },
    }),
  ];
}
