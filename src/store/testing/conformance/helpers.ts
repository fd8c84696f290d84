/** Small assertions shared by the conformance suite and the store tests. */
import { randomUUID } from 'node:crypto';
import type { ResultAsync } from 'neverthrow';
import { expect } from 'vitest';
import type { StoreErrorKind } from '../../constants.js';
import type { StoreError } from '../../errors.js';
import type { EventStore } from '../../port.js';
import type { AppendResult, EventToAppend, JsonValue, RecordedEvent } from '../../types.js';

/** Awaits a ResultAsync and fails the test with the error if it is not ok. */
export async function unwrap<T>(result: ResultAsync<T, StoreError>): Promise<T> {
  const settled = await result;
  if (settled.isErr()) expect.fail(`expected ok, got ${JSON.stringify(settled.error, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`);
  return settled.value;
}

/** Awaits a ResultAsync, asserts it failed with `kind`, and returns the error narrowed to that kind. */
export async function expectError<K extends StoreErrorKind>(
  result: ResultAsync<unknown, StoreError>,
  kind: K,
): Promise<Extract<StoreError, { kind: K }>> {
  const settled = await result;
  if (settled.isOk()) expect.fail(`expected ${kind}, got ok`);
  expect(settled.error.kind).toBe(kind);
  return settled.error as Extract<StoreError, { kind: K }>;
}

/** An event to append with a fresh id. */
export const event = (type: string, data: JsonValue = {}, metadata?: Record<string, JsonValue>): EventToAppend & { id: string } => ({
  id: randomUUID(),
  type,
  data,
  ...(metadata === undefined ? {} : { metadata }),
});

/** A unique stream-name prefix, so tests sharing one server (EventStoreDB) never see each other's streams. */
export const uniquePrefix = (tag = 't'): string => `${tag}${randomUUID().slice(0, 8)}-`;

/** Asserts positions are strictly increasing. */
export function expectIncreasingPositions(events: readonly RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    expect((events[i] as RecordedEvent).position > (events[i - 1] as RecordedEvent).position).toBe(true);
  }
}

/** The revisions of events, as numbers, for compact assertions. */
export const revisions = (events: readonly RecordedEvent[]): number[] => events.map((e) => Number(e.revision));

/** Creates `stream` with `count` events typed `E0`, `E1`, … (data `{ i }`). */
export const seedStream = (store: EventStore, stream: string, count: number): Promise<AppendResult> =>
  unwrap(store.append(stream, Array.from({ length: count }, (_, i) => event(`E${i}`, { i })), { expectedRevision: 'no_stream' }));
