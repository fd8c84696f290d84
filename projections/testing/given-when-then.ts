/**
 * Test helpers for the projections: builders of stored events as the runtime writes them (data = the input event,
 * metadata = `{ from, to, at, ... }`), and a Given/When/Then helper after machines/testing/given-when-then.ts:
 * `specFor(projection).given(history).when(event).then((state) => expect(...))`, and the resumable-fold property
 * every projection must keep.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { RUNTIME_EVENT_TYPE, STREAM_PREFIX } from '../../machines/streams.js';
import { foldAll, type ProjectedEvent, type Projection } from '../event.js';

/** Builds the events of one stream with consecutive revisions from 0. */
export function streamWriter(stream: string) {
  let revision = 0n;
  return (type: string, data: unknown, metadata: { readonly [key: string]: unknown }): ProjectedEvent => {
    const event = { stream, type, revision, data, metadata: { causationId: null, correlationId: 'test', ...metadata } };
    revision += 1n;
    return event;
  };
}

/** A `session-<id>` stream: `provisioned(at)` first, then `next(type, data, from, to)`; `data.at` becomes `metadata.at`. */
export function sessionStream(sessionId: string, tenant = 'acme', owner = 'ada') {
  const write = streamWriter(`${STREAM_PREFIX.session}${sessionId}`);
  return {
    provisioned: (at: number): ProjectedEvent =>
      write(RUNTIME_EVENT_TYPE.sessionProvisioned, { sessionId, tenant, owner, at, options: {} }, { from: null, to: 'provisioning', at }),
    next: (type: string, data: { readonly at: number; readonly [key: string]: unknown }, from: string, to: string): ProjectedEvent =>
      write(type, data, { from, to, at: data.at }),
  };
}

/** A `pool-<name>` stream whose machine stays `running`. */
export function poolStream(name = 'main') {
  const write = streamWriter(`${STREAM_PREFIX.pool}${name}`);
  return {
    created: (at: number, options: { readonly [key: string]: unknown } = {}): ProjectedEvent =>
      write(RUNTIME_EVENT_TYPE.poolCreated, { name, at, options }, { from: null, to: 'running', at }),
    next: (type: string, data: { readonly at: number; readonly [key: string]: unknown }, to = 'running'): ProjectedEvent =>
      write(type, data, { from: 'running', to, at: data.at }),
  };
}

/** A `breaker-<name>` stream. */
export function breakerStream(name: string) {
  const write = streamWriter(`${STREAM_PREFIX.breaker}${name}`);
  return {
    created: (at: number): ProjectedEvent => write(RUNTIME_EVENT_TYPE.breakerCreated, { name }, { from: null, to: 'closed', at }),
    next: (type: string, data: { readonly at: number; readonly [key: string]: unknown }, from: string, to: string): ProjectedEvent =>
      write(type, data, { from, to, at: data.at }),
  };
}

/** Given/When/Then for one projection: folds `given`, applies `event`, hands both states to `then`. */
export function specFor<TState, TEvent>(projection: Projection<TState, TEvent>) {
  return {
    given(history: Iterable<TEvent> = []) {
      const before = foldAll(projection, history);
      return {
        when(event: TEvent) {
          const after = projection.apply(before, event);
          return {
            then(check: (after: TState, before: TState) => void): TState {
              check(after, before);
              return after;
            },
          };
        },
      };
    },
  };
}

/**
 * Folding in one pass equals folding a prefix, a JSON round trip of the state (as a checkpoint would store it),
 * then the rest: the property that lets a projection resume from a saved state.
 */
export function assertResumableFold<TState, TEvent>(projection: Projection<TState, TEvent>, histories: fc.Arbitrary<TEvent[]>): void {
  fc.assert(
    fc.property(histories, fc.nat(), (events, cut) => {
      const at = cut % (events.length + 1);
      const half = JSON.parse(JSON.stringify(foldAll(projection, events.slice(0, at)))) as TState;
      expect(foldAll(projection, events.slice(at), half)).toEqual(foldAll(projection, events));
    }),
  );
}
