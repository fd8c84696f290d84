/**
 * Mapping between a machine's input event types (SCREAMING_SNAKE commands and facts) and the
 * past-tense PascalCase names the event store persists. Each machine's `*.events.ts` declares one
 * table; `invertNames` derives the reverse table the runtime uses when it reads a stream back.
 */

/** Inverts a one-to-one name table (`{ CALL_FAILED: 'CallFailed' }` → `{ CallFailed: 'CALL_FAILED' }`). */
export function invertNames<const T extends Record<string, string>>(names: T): { [K in keyof T as T[K]]: K } {
  return Object.fromEntries(Object.entries(names).map(([input, persisted]) => [persisted, input])) as {
    [K in keyof T as T[K]]: K;
  };
}
