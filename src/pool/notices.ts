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
  /** Listeners of some kinds only: a commit costs them one lookup, not a call. */
  readonly #byKind = new Map<PoolNotice['kind'], Set<(notice: PoolNotice) => void>>();

  constructor(private readonly logger: PoolLogger) {}

  /** Adds a listener; returns an unsubscribe. */
  subscribe(listener: (notice: PoolNotice) => void, kinds?: readonly PoolNotice['kind'][]): () => void {
    if (kinds === undefined) {
      this.#listeners.add(listener);
      return () => void this.#listeners.delete(listener);
    }
    for (const kind of kinds) {
      const set = this.#byKind.get(kind) ?? new Set();
      set.add(listener);
      this.#byKind.set(kind, set);
    }
    return () => {
      for (const kind of kinds) this.#byKind.get(kind)?.delete(listener);
    };
  }

  /** Tells every listener (and logs a failed start). */
  notify(notice: PoolNotice): void {
    if (notice.kind === 'startFailed') this.logger.warn({ sessionId: notice.sessionId, error: notice.error }, 'pool: could not start an agent');
    const some = this.#byKind.get(notice.kind);
    for (const listener of some === undefined ? this.#listeners : [...this.#listeners, ...some]) {
      try {
        listener(notice);
      } catch (error) {
        this.logger.error({ error: String(error) }, 'pool: a listener threw');
      }
    }
  }
}
