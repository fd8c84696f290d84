/**
 * Closing the WebSocket connections of a revoked API key: whenever the projection host folds an `ApiKeyRevoked`
 * (from this server's REST route, or from `aicli-api keys revoke` / another node on a shared store), every open
 * connection that authenticated with that key is closed with 4001 `api key revoked`.
 */
import { API_KEY_EVENT, API_KEYS_STREAM } from '../../../machines/index.js';
import { recordOf, stringOf, WS_DROP_REASON } from '../../../projections/index.js';
import type { ProjectionHost, ProjectionSet } from '../../projections/index.js';
import { WS_CLOSE, WS_CLOSE_REASON } from './protocol.js';
import type { Hub } from './hub.js';

/** Closes the connections of each key `projections` sees revoked; returns the function that stops watching. */
export function watchKeyRevocations(projections: Pick<ProjectionHost<ProjectionSet>, 'onUpdate'>, hub: Pick<Hub, 'closeWhere'>): () => void {
  return projections.onUpdate(({ event }) => {
    if (event.stream !== API_KEYS_STREAM || event.type !== API_KEY_EVENT.revoked) return;
    const keyId = stringOf(recordOf(event.data)?.['id']);
    if (keyId !== null) hub.closeWhere((identity) => identity.keyId === keyId, WS_CLOSE.unauthorized, WS_CLOSE_REASON.keyRevoked, WS_DROP_REASON.apiKeyRevoked);
  });
}
