/** Per-test fixture of the conformance suite: a fresh store from the factory and a unique stream prefix. */
import { afterEach, beforeEach } from 'vitest';
import type { EventStore } from '../../port.js';
import { uniquePrefix } from './helpers.js';

/** Builds the store under test; called once per test. */
export type EventStoreFactory = () => EventStore | Promise<EventStore>;

/** What each conformance test gets: the store and a stream-name generator scoped to the test. */
export interface ConformanceContext {
  readonly store: EventStore;
  /** A stream name unique to the running test. */
  stream(name: string): string;
  /** The prefix shared by every `stream(...)` of the running test. */
  readonly prefix: string;
}

/** Registers the before/after hooks and returns a context whose fields are valid inside tests. */
export function useConformanceContext(factory: EventStoreFactory): ConformanceContext {
  let store: EventStore | undefined;
  let prefix = '';
  beforeEach(async () => {
    store = await factory();
    prefix = uniquePrefix('c');
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  return {
    get store(): EventStore {
      if (store === undefined) throw new Error('the conformance store is only available inside a test');
      return store;
    },
    get prefix(): string {
      return prefix;
    },
    stream: (name) => `${prefix}${name}`,
  };
}
