/**
 * What the pool tells its listeners (the WebSocket feed, metrics, tests): each session commit, and the bridge's
 * notices. A listener that throws is logged and the others still hear the notice.
 */
import type { sessionMachine } from '../../machines/index.js';
import type { Commit } from '../runtime/index.js';
import type { PoolLogger } from './logger.js';
import type { BridgeNotice } from './processes/agent-bridge.js';

/** What a pool listener hears: each session commit, and the bridge's notices. */
export type PoolNotice =
  | { readonly kind: 'commit'; readonly sessionId: string; readonly commit: Commit<typeof sessionMachine> }
  | BridgeNotice;

/** The pool's listeners. */
export class PoolNotices {
  readonly #listeners = new Set<(notice: PoolNotice) => void>();

  constructor(private readonly logger: PoolLogger) {}

  /** Adds a listener; returns an unsubscribe. */
  subscribe(listener: (notice: PoolNotice) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Tells every listener (and logs a failed start). */
  notify(notice: PoolNotice): void {
    if (notice.kind === 'startFailed') this.logger.warn({ sessionId: notice.sessionId, error: notice.error }, 'pool: could not start an agent');
    for (const listener of this.#listeners) {
      try {
        listener(notice);
      } catch (error) {
        this.logger.error({ error: String(error) }, 'pool: a listener threw');
      }
    }
  }
}
