/**
 * The JSON forms of a replay, shared by `aicli-api replay --json` and the HTTP endpoint to come: bigints become
 * decimal strings so no precision is lost, everything else is already plain JSON.
 */
import type { ReplayEntry, ReplayState } from './replay-stream.js';

/** One replay entry as a JSON-safe object (revision as a string). */
export function replayEntryJson(stream: string, entry: ReplayEntry): Record<string, unknown> {
  return { stream, ...entry, revision: entry.revision.toString() };
}

/** The state as of a revision as a JSON-safe object (revision as a string). */
export function replayStateJson(stream: string, state: ReplayState): Record<string, unknown> {
  return { stream, ...state, revision: state.revision.toString() };
}

/** `JSON.stringify` that writes any bigint (there should be none left) as a decimal string instead of throwing. */
export function stringifyJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
}
