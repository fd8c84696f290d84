/**
 * An event store for host tests: the memory adapter behind a proxy that can hold appends until released, fail
 * them, record appends and reads, and ignore `close()` (so a command under test cannot close a store the test
 * still reads).
 */
import { errAsync, ResultAsync } from 'neverthrow';
import { MemoryEventStore, type EventStore, type StoreError } from '../../../src/store/index.js';

type Gate = { readonly kind: 'hold'; readonly opened: Promise<void> } | { readonly kind: 'fail'; readonly error: StoreError };

/** A memory store with controllable appends. */
export interface GatedStore {
  readonly store: EventStore;
  /** The memory store behind the proxy (never gated). */
  readonly inner: MemoryEventStore;
  /** Appends attempted (including failed and held ones). */
  readonly appends: { stream: string; types: string[]; expected: unknown }[];
  /** `readStream` calls: which stream, from which revision, in which direction. */
  readonly reads: { stream: string; from: bigint | undefined; direction: string }[];
  /** Holds every append until the returned function is called. */
  hold(): () => void;
  /** Fails every append with `error` until `open()`. */
  fail(error: StoreError): void;
  /** Lets appends through again. */
  open(): void;
}

/** A gated memory store (see the module comment). */
export function gatedStore(inner = new MemoryEventStore()): GatedStore {
  let gate: Gate | null = null;
  const appends: GatedStore['appends'] = [];
  const reads: GatedStore['reads'] = [];
  const readStream: EventStore['readStream'] = (stream, options) => {
    reads.push({ stream, from: options?.from, direction: options?.direction ?? 'forwards' });
    return inner.readStream(stream, options);
  };
  const append: EventStore['append'] = (stream, events, options) => {
    appends.push({ stream, types: events.map((event) => event.type), expected: options.expectedRevision });
    const current = gate;
    if (current === null) return inner.append(stream, events, options);
    if (current.kind === 'fail') return errAsync(current.error);
    return new ResultAsync(current.opened.then(() => inner.append(stream, events, options)));
  };
  const store = new Proxy(inner, {
    get(target, property) {
      if (property === 'append') return append;
      if (property === 'readStream') return readStream;
      if (property === 'close') return async () => undefined;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as EventStore;
  return {
    store,
    inner,
    appends,
    reads,
    hold() {
      let release!: () => void;
      gate = { kind: 'hold', opened: new Promise<void>((resolve) => (release = resolve)) };
      return () => {
        gate = null;
        release();
      };
    },
    fail(error) {
      gate = { kind: 'fail', error };
    },
    open() {
      gate = null;
    },
  };
}
