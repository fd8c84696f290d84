/**
 * Creating and revoking API keys at run time, shared by the REST routes and `aicli-api keys`: read the `apikeys`
 * stream once, fold it with the api-keys projection, decide, append one event with the revision read (a concurrent
 * change makes the append fail and the command is decided again). The key itself is returned once, never stored.
 */
import { randomBytes } from 'node:crypto';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { API_KEY_EVENT, API_KEYS_STREAM, isSafeSegment, type ApiKeyCreatedData, type ApiKeyRevokedData } from '../../../machines/index.js';
import { apiKeysProjection, foldAll, type ApiKeyRecord, type ApiKeysState } from '../../../projections/index.js';
import { EXPECTED_REVISION, isStreamNotFound, isWrongExpectedVersion, type EventStore, type ExpectedRevision, type StoreError } from '../../store/index.js';
import { newApiKey } from './api-key-material.js';
import { OPEN_IDENTITY } from './authenticator.js';
import { isServerRole, isUserId, type ServerRole } from './identity.js';

/** Why a key command was refused or failed. */
export type ApiKeyCommandError =
  | { readonly kind: 'InvalidKeyRequest'; readonly message: string }
  | { readonly kind: 'KeyNotFound'; readonly id: string }
  | { readonly kind: 'KeyAlreadyRevoked'; readonly id: string; readonly revokedAt: number }
  | { readonly kind: 'KeyStoreFailed'; readonly error: StoreError };

/** What a new key is for. */
export interface ApiKeyRequest {
  /** The user the key acts as. */
  readonly name: string;
  readonly role: string;
  /** Default `default`. */
  readonly tenant?: string;
}

/** A key just created: the record as listed, the key (show it once), and the log position of its event. */
export interface CreatedApiKey {
  readonly record: ApiKeyRecord;
  readonly key: string;
  readonly position: bigint;
}

/** A key just revoked and the log position of its event. */
export interface RevokedApiKey {
  readonly record: ApiKeyRecord;
  readonly position: bigint;
}

/** Who acts and when (a user id, or `cli`). */
export interface KeyCommandContext {
  readonly by: string;
  readonly now: number;
}

/** Attempts of one command when other writers keep changing the stream. */
const ATTEMPTS = 3;

/** The current table of run-time keys and the stream revision it was folded at. */
export function readApiKeys(store: EventStore): ResultAsync<{ readonly state: ApiKeysState; readonly revision: ExpectedRevision }, StoreError> {
  return store
    .readStream(API_KEYS_STREAM)
    .map((events) => ({ state: foldAll(apiKeysProjection, events), revision: events.length === 0 ? EXPECTED_REVISION.noStream : events[events.length - 1]!.revision }))
    .orElse((error) => (isStreamNotFound(error) ? okAsync({ state: apiKeysProjection.initial(), revision: EXPECTED_REVISION.noStream }) : errAsync(error)));
}

/** Checks `request` and appends `ApiKeyCreated`; the new key is in the result, and nowhere else. */
export function createApiKey(store: EventStore, request: ApiKeyRequest, context: KeyCommandContext): ResultAsync<CreatedApiKey, ApiKeyCommandError> {
  const tenant = request.tenant ?? OPEN_IDENTITY.tenant;
  if (!isUserId(request.name)) return errAsync(invalid('name must be 1-128 letters, digits or ._@:-, starting with a letter or digit'));
  if (!isServerRole(request.role)) return errAsync(invalid('role must be admin, operator, user or viewer'));
  if (!isSafeSegment(tenant)) return errAsync(invalid('tenant must be 1-128 letters, digits, ".", "_" or "-"'));
  const role: ServerRole = request.role;
  const made = newApiKey();
  const data: ApiKeyCreatedData = {
    id: `key_${randomBytes(8).toString('hex')}`,
    name: request.name,
    role,
    tenant,
    sha256: made.sha256,
    last4: made.last4,
    at: context.now,
    by: context.by,
  };
  return decided(store, () => okAsync({ type: API_KEY_EVENT.created, data })).map(({ state, position }) => ({ record: state.byId[data.id]!, key: made.key, position }));
}

/** Appends `ApiKeyRevoked` for key `id`: it stops working as soon as the projection has folded the event. */
export function revokeApiKey(store: EventStore, id: string, context: KeyCommandContext): ResultAsync<RevokedApiKey, ApiKeyCommandError> {
  return decided(store, (state) => {
    const key = Object.hasOwn(state.byId, id) ? state.byId[id] : undefined;
    if (key === undefined) return errAsync({ kind: 'KeyNotFound', id });
    if (key.revokedAt !== null) return errAsync({ kind: 'KeyAlreadyRevoked', id, revokedAt: key.revokedAt });
    const data: ApiKeyRevokedData = { id, at: context.now, by: context.by };
    return okAsync({ type: API_KEY_EVENT.revoked, data });
  }).map(({ state, position }) => ({ record: state.byId[id]!, position }));
}

type Decision = { readonly type: string; readonly data: ApiKeyCreatedData | ApiKeyRevokedData };

/** Reads, decides and appends; decides again on a concurrent change. Returns the state with the event folded in. */
function decided(
  store: EventStore,
  decide: (state: ApiKeysState) => ResultAsync<Decision, ApiKeyCommandError>,
  attempt = 1,
): ResultAsync<{ readonly state: ApiKeysState; readonly position: bigint }, ApiKeyCommandError> {
  return readApiKeys(store)
    .mapErr(storeFailed)
    .andThen(({ state, revision }) =>
      decide(state).andThen((decision) =>
        store
          .append(API_KEYS_STREAM, [{ type: decision.type, data: { ...decision.data } }], { expectedRevision: revision })
          .map((appended) => ({
            state: apiKeysProjection.apply(state, { stream: API_KEYS_STREAM, type: decision.type, revision: appended.nextExpectedRevision, data: decision.data, metadata: {} }),
            position: appended.position,
          }))
          .orElse((error) => (isWrongExpectedVersion(error) && attempt < ATTEMPTS ? decided(store, decide, attempt + 1) : errAsync(storeFailed(error)))),
      ),
    );
}

const invalid = (message: string): ApiKeyCommandError => ({ kind: 'InvalidKeyRequest', message });
const storeFailed = (error: StoreError): ApiKeyCommandError => ({ kind: 'KeyStoreFailed', error });
