/**
 * The API keys created and revoked at run time (the `apikeys` stream), folded into a table by id and an index by
 * SHA-256 that the authenticator consults on every request. A revoked key stays listed (with when and by whom) and
 * its digest stays indexed, so the authenticator can say it was revoked. Malformed events, a second key with a used
 * id or digest, and revocations of unknown or already revoked keys are skipped (counted), never thrown on.
 */
import { API_KEY_EVENT, API_KEYS_STREAM, type ApiKeyCreatedData } from '../machines/api-keys.events.js';
import { numberOf, own, recordOf, stringOf, type ProjectedEvent, type Projection } from './event.js';

/** One key as the table holds it (never the key itself): what `ApiKeyCreated` said of it, and its lifecycle. */
export interface ApiKeyRecord extends Pick<ApiKeyCreatedData, 'id' | 'name' | 'role' | 'tenant' | 'sha256' | 'last4'> {
  readonly createdAt: number;
  readonly createdBy: string;
  readonly revokedAt: number | null;
  readonly revokedBy: string | null;
}

/** The folded table. */
export interface ApiKeysState {
  readonly byId: { readonly [id: string]: ApiKeyRecord };
  /** Lower-case hex SHA-256 → key id. */
  readonly idBySha256: { readonly [sha256: string]: string };
  /** Events of the stream that changed nothing (malformed, duplicate, unknown key). */
  readonly skipped: number;
}

/** The projection's name. */
export const API_KEYS = 'api-keys';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The key `sha256` names, or `undefined`. */
export function apiKeyBySha256(state: ApiKeysState, sha256: string): ApiKeyRecord | undefined {
  const id = own(state.idBySha256, sha256);
  return id === undefined ? undefined : own(state.byId, id);
}

/** Every key, oldest first (then by id). */
export function listApiKeys(state: ApiKeysState): ApiKeyRecord[] {
  return Object.values(state.byId).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const skip = (state: ApiKeysState): ApiKeysState => ({ ...state, skipped: state.skipped + 1 });

function created(state: ApiKeysState, data: { readonly [key: string]: unknown }): ApiKeysState {
  const [id, name, role, tenant, sha256, last4, by] = ['id', 'name', 'role', 'tenant', 'sha256', 'last4', 'by'].map((key) => stringOf(data[key]));
  const at = numberOf(data['at']);
  if (id == null || id === '' || name == null || role == null || tenant == null || sha256 == null || !SHA256_HEX.test(sha256) || last4 == null || by == null || at === null) return skip(state);
  if (own(state.byId, id) !== undefined || own(state.idBySha256, sha256) !== undefined) return skip(state);
  const record: ApiKeyRecord = { id, name, role, tenant, sha256, last4, createdAt: at, createdBy: by, revokedAt: null, revokedBy: null };
  return { ...state, byId: { ...state.byId, [id]: record }, idBySha256: { ...state.idBySha256, [sha256]: id } };
}

function revoked(state: ApiKeysState, data: { readonly [key: string]: unknown }): ApiKeysState {
  const id = stringOf(data['id']);
  const by = stringOf(data['by']);
  const at = numberOf(data['at']);
  const key = id === null ? undefined : own(state.byId, id);
  if (key === undefined || key.revokedAt !== null || by === null || at === null) return skip(state);
  return { ...state, byId: { ...state.byId, [key.id]: { ...key, revokedAt: at, revokedBy: by } } };
}

/** Folds the `apikeys` stream; events of other streams leave the state as it is (the same object). */
export const apiKeysProjection: Projection<ApiKeysState> = {
  name: API_KEYS,
  version: 1,
  initial: () => ({ byId: {}, idBySha256: {}, skipped: 0 }),
  apply(state, event: ProjectedEvent) {
    if (event.stream !== API_KEYS_STREAM) return state;
    const data = recordOf(event.data);
    if (data === null) return skip(state);
    switch (event.type) {
      case API_KEY_EVENT.created:
        return created(state, data);
      case API_KEY_EVENT.revoked:
        return revoked(state, data);
      default:
        return skip(state);
    }
  },
};
