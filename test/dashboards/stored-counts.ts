/**
 * What the stored log says the counters must have counted, read without the server's counting code: faults by
 * the documented reading of `projections/faults.ts`, recoveries by the session streams' own facts
 * (`test/reliability/support/recovery-figures.ts`), turns by their ending events, API retries by their stored
 * output lines, breaker transitions by each breaker event's `from` and `to`.
 */
import { SESSION_OUTCOME_NAME, SESSION_PERSISTED_NAME, STREAM_PREFIX } from '../../machines/index.js';
import { readFault } from '../../projections/faults.js';
import type { RecordedEvent } from '../../src/store/index.js';
import { storedFigures } from '../reliability/support/recovery-figures.js';

/** Counts keyed by the series' labels as `name{label="value",...}` (labels sorted). */
export type SeriesCounts = Map<string, number>;

/** The key of a series: its name and its labels, sorted. */
export function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const inner = Object.keys(labels)
    .sort()
    .map((label) => `${label}="${labels[label]}"`)
    .join(',');
  return `${name}{${inner}}`;
}

const bump = (counts: SeriesCounts, key: string): void => void counts.set(key, (counts.get(key) ?? 0) + 1);

/** The counts the stored `log` calls for (see the module comment). */
export function storedCounts(log: readonly RecordedEvent[]): SeriesCounts {
  const counts: SeriesCounts = new Map();
  for (const event of log) {
    if (event.stream.startsWith(STREAM_PREFIX.session)) {
      const fault = readFault(event);
      if (fault.kind === 'fault') bump(counts, seriesKey('aicli_agent_faults_total', { kind: fault.fault.kind }));
      const data = (event.data ?? {}) as Record<string, unknown>;
      if (event.type === SESSION_PERSISTED_NAME.TURN_COMPLETED) bump(counts, seriesKey('aicli_turns_total', { outcome: data['isError'] === true ? 'error' : 'completed' }));
      if (event.type === SESSION_OUTCOME_NAME.TURN_ABORTED) bump(counts, seriesKey('aicli_turns_total', { outcome: 'aborted' }));
      if (event.type === SESSION_PERSISTED_NAME.AGENT_OUTPUT && data['chunkType'] === 'api_retry') bump(counts, seriesKey('aicli_agent_api_retries_total', {}));
    } else if (event.stream.startsWith(STREAM_PREFIX.breaker)) {
      const from = event.metadata['from'];
      const to = event.metadata['to'];
      if (typeof from === 'string' && typeof to === 'string' && from !== to) {
        bump(counts, seriesKey('aicli_circuit_breaker_transitions_total', { breaker: event.stream.slice(STREAM_PREFIX.breaker.length), from, to }));
      }
    }
  }
  for (const [outcome, total] of Object.entries(storedFigures(log).fromSessions.recoveries)) {
    counts.set(seriesKey('aicli_error_recovery_total', { outcome }), total);
  }
  return counts;
}
