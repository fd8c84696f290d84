/** Event filters evaluated in JavaScript (memory adapter, client-side parts of the EventStoreDB adapter). */
import type { EventFilter } from '../types.js';

/** A predicate over stream name and event type; `undefined` filter matches everything. */
export type EventPredicate = (stream: string, type: string) => boolean;

/** Compiles a validated filter into a predicate. */
export function compileFilter(filter: EventFilter | undefined): EventPredicate {
  if (filter === undefined) return () => true;
  const prefix = filter.streamPrefix;
  const types = filter.eventTypes === undefined ? undefined : new Set(filter.eventTypes);
  return (stream, type) => (prefix === undefined || stream.startsWith(prefix)) && (types === undefined || types.has(type));
}
