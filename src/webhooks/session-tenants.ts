/**
 * The tenant of a session, for webhook filters and payloads: learnt from `SessionProvisioned` events as they pass,
 * otherwise read from the first event of the session's stream. A bounded cache (the oldest entry goes first).
 */
import { RUNTIME_EVENT_TYPE, STREAM_PREFIX } from '../../machines/index.js';
import type { EventStore, RecordedEvent } from '../store/index.js';

const tenantIn = (data: unknown): string | null => {
  const tenant = typeof data === 'object' && data !== null ? (data as { tenant?: unknown }).tenant : undefined;
  return typeof tenant === 'string' ? tenant : null;
};

/** Sessions' tenants, cached. */
export class SessionTenants {
  readonly #cache = new Map<string, string>();

  constructor(
    private readonly store: EventStore,
    private readonly capacity = 10_000,
  ) {}

  /** Learns from a stored event (a `SessionProvisioned` names its tenant). */
  observe(event: RecordedEvent): void {
    if (event.type !== RUNTIME_EVENT_TYPE.sessionProvisioned || !event.stream.startsWith(STREAM_PREFIX.session)) return;
    const tenant = tenantIn(event.data);
    if (tenant !== null) this.#remember(event.stream.slice(STREAM_PREFIX.session.length), tenant);
  }

  /** Session `sessionId`'s tenant, or `null` when its stream cannot be read or names none. */
  async of(sessionId: string): Promise<string | null> {
    const cached = this.#cache.get(sessionId);
    if (cached !== undefined) return cached;
    const first = await this.store.readStream(`${STREAM_PREFIX.session}${sessionId}`, { maxCount: 1 });
    const tenant = first.isOk() && first.value[0] !== undefined ? tenantIn(first.value[0].data) : null;
    if (tenant !== null) this.#remember(sessionId, tenant);
    return tenant;
  }

  #remember(sessionId: string, tenant: string): void {
    this.#cache.delete(sessionId);
    this.#cache.set(sessionId, tenant);
    if (this.#cache.size > this.capacity) this.#cache.delete(this.#cache.keys().next().value!);
  }
}
