/**
 * Appends audit events to the `audit-<day>` streams without ever slowing or failing the request that reports
 * them: `record` only queues (a bounded queue; what does not fit is dropped and counted), and the queue is
 * appended once per event-loop turn, one append per day stream (the store group-commits on top). Identical
 * authentication failures from one address are held for a second and written as one event with a count, so a
 * flood of bad credentials costs one event per address and second. Nothing here throws into the caller.
 */
import type { Logger } from 'pino';
import { AUDIT_ACTION, AUDIT_EVENT_TYPE, AUDIT_OUTCOME, auditStreamOf, type AuditAction, type AuditActor, type AuditEventData, type AuditOutcome, type AuditTarget } from '../../machines/index.js';
import { systemTimers, type Clock, type TimerHandle, type Timers } from '../runtime/index.js';
import { EXPECTED_REVISION, formatStoreError, type EventStore, type EventToAppend, type JsonValue } from '../store/index.js';

/** What a hook reports; the writer adds the time and the count. */
export interface AuditEntry {
  readonly action: AuditAction;
  readonly actor: AuditActor;
  readonly target?: AuditTarget;
  /** Default `allowed`. */
  readonly outcome?: AuditOutcome;
  /** The stable code of a denial (an API error code). */
  readonly reason?: string;
  /** A short human explanation of a denial; never a secret. */
  readonly detail?: string;
  readonly requestId?: string | null;
}

/** What the hooks call: records an audit event, at once and without failing. */
export interface AuditRecorder {
  record(entry: AuditEntry): void;
}

/** Why audit events were lost: the queue was full, or the store refused the append. */
export const AUDIT_DROP_REASON = { overflow: 'overflow', storeFailed: 'store_failed' } as const;

/** The writer behind {@link AuditRecorder}. */
export interface AuditWriter extends AuditRecorder {
  /** Events lost since start, by {@link AUDIT_DROP_REASON}. */
  dropped(): Readonly<Record<string, number>>;
  /** Resolves once everything recorded so far (held failures included) is appended or dropped. */
  flush(): Promise<void>;
  /** Flushes, then drops whatever is recorded later. */
  close(): Promise<void>;
}

/** Tuning of the writer; the defaults suit a server. */
export interface AuditWriterOptions {
  readonly clock: Clock;
  readonly logger?: Pick<Logger, 'warn'>;
  /** Events queued or being appended at most; beyond, new events are dropped. Default 1000. */
  readonly maxPending?: number;
  /** How long identical authentication failures are coalesced. Default 1000 ms. */
  readonly coalesceMs?: number;
  /** Distinct failures held at most while coalescing. Default 1000. */
  readonly maxHeld?: number;
  /** Runs the flush after the current turn. Default `setImmediate`. */
  readonly defer?: (run: () => void) => void;
  readonly timers?: Timers;
}

const DETAIL_MAX = 200;

/** A recorder that records nothing (tools and tests that do not audit). */
export const NO_AUDIT: AuditRecorder = { record: () => undefined };

/** Builds the writer over `store`. */
export function createAuditWriter(store: EventStore, options: AuditWriterOptions): AuditWriter {
  const { clock, logger } = options;
  const maxPending = options.maxPending ?? 1000;
  const coalesceMs = options.coalesceMs ?? 1000;
  const maxHeld = options.maxHeld ?? 1000;
  const defer = options.defer ?? ((run) => void setImmediate(run));
  const timers = options.timers ?? systemTimers;

  const drops: Record<string, number> = { [AUDIT_DROP_REASON.overflow]: 0, [AUDIT_DROP_REASON.storeFailed]: 0 };
  let queue: AuditEventData[] = [];
  let inFlight = 0;
  let flushScheduled = false;
  let closed = false;
  const appending = new Set<Promise<void>>();
  /** Authentication failures being coalesced, by address and reason. */
  const held = new Map<string, { data: AuditEventData; count: number }>();
  let window: TimerHandle | undefined;

  const drop = (reason: string, count = 1): void => {
    drops[reason] = (drops[reason] ?? 0) + count;
  };

  const enqueue = (data: AuditEventData): void => {
    if (queue.length + inFlight >= maxPending) return drop(AUDIT_DROP_REASON.overflow);
    queue.push(data);
    if (!flushScheduled) {
      flushScheduled = true;
      defer(appendQueued);
    }
  };

  const appendQueued = (): void => {
    flushScheduled = false;
    const batch = queue;
    queue = [];
    const byStream = new Map<string, EventToAppend[]>();
    for (const data of batch) {
      const stream = auditStreamOf(data.at);
      const events = byStream.get(stream) ?? [];
      events.push(eventOf(data));
      byStream.set(stream, events);
    }
    for (const [stream, events] of byStream) appendTo(stream, events);
  };

  const appendTo = (stream: string, events: readonly EventToAppend[]): void => {
    inFlight += events.length;
    const failed = (message: string): void => {
      drop(AUDIT_DROP_REASON.storeFailed, events.length);
      logger?.warn({ stream, events: events.length }, `audit: events lost: ${message}`);
    };
    const done = Promise.resolve()
      .then(() => store.append(stream, events, { expectedRevision: EXPECTED_REVISION.any }))
      .then(
        (appended) => (appended.isErr() ? failed(formatStoreError(appended.error)) : undefined),
        (error: unknown) => failed(String(error)),
      )
      .finally(() => {
        inFlight -= events.length;
        appending.delete(done);
      });
    appending.add(done);
  };

  const releaseHeld = (): void => {
    if (window !== undefined) timers.clear(window);
    window = undefined;
    for (const { data, count } of held.values()) enqueue({ ...data, count });
    held.clear();
  };

  const coalesce = (data: AuditEventData): void => {
    const key = `${data.actor.address ?? ''}\u0000${data.reason ?? ''}\u0000${data.detail ?? ''}`;
    const same = held.get(key);
    if (same !== undefined) {
      same.count++;
      return;
    }
    if (held.size >= maxHeld) return drop(AUDIT_DROP_REASON.overflow);
    held.set(key, { data, count: 1 });
    window ??= timers.set(releaseHeld, coalesceMs);
  };

  const flush = async (): Promise<void> => {
    releaseHeld();
    if (flushScheduled) appendQueued();
    while (appending.size > 0) await Promise.all([...appending]);
  };

  return {
    record(entry) {
      try {
        if (closed) return;
        const data = dataOf(entry, clock.now());
        if (entry.action === AUDIT_ACTION.authFailed) coalesce(data);
        else enqueue(data);
      } catch {
        // A bug in building the event must not reach the request that reported it.
        drop(AUDIT_DROP_REASON.overflow);
      }
    },
    dropped: () => ({ ...drops }),
    flush,
    async close() {
      await flush();
      closed = true;
    },
  };
}

/** The stored data of `entry`, recorded at `at`. */
function dataOf(entry: AuditEntry, at: number): AuditEventData {
  const detail = entry.detail === undefined ? null : entry.detail.length > DETAIL_MAX ? `${entry.detail.slice(0, DETAIL_MAX - 1)}…` : entry.detail;
  return {
    action: entry.action,
    outcome: entry.outcome ?? AUDIT_OUTCOME.allowed,
    reason: entry.reason ?? null,
    detail,
    actor: entry.actor,
    target: entry.target ?? {},
    requestId: entry.requestId ?? null,
    at,
    count: 1,
  };
}

function eventOf(data: AuditEventData): EventToAppend {
  const metadata = { actor: data.actor.userId ?? data.actor.address ?? 'unknown', at: data.at, ...(data.requestId === null ? {} : { correlationId: data.requestId }) };
  return { type: AUDIT_EVENT_TYPE[data.action], data: data as unknown as JsonValue, metadata };
}
