/**
 * The recovery figures the server exports (`aicli_agent_faults_total{kind}`, `aicli_error_recovery_total{outcome}`)
 * next to the same figures counted from the stored log: faults from the session streams (by the documented
 * reading of `projections/faults.ts`), recoveries both as the pool reported them (`RecoveryReported`) and from the
 * session streams' own facts, read here independently of the pool's code: a recovery started when a session
 * entered `recovering`, succeeded when a `RecoverySucceeded` took it out (to `ready`, or straight to `busy` when a
 * queued message was waiting), failed when the session entered `failed`. The live metrics must equal both.
 */
import { POOL_PERSISTED_NAME, SESSION_PERSISTED_NAME, STREAM_PREFIX } from '../../../machines/index.js';
import { FAULT_KINDS, readFault } from '../../../projections/faults.js';
import type { RecordedEvent } from '../../../src/store/index.js';

const OUTCOMES = ['started', 'succeeded', 'failed'] as const;

/** Counts by fault kind and by recovery outcome. */
export interface RecoveryFigures {
  readonly faults: Readonly<Record<string, number>>;
  readonly recoveries: Readonly<Record<string, number>>;
}

const zeros = (keys: readonly string[]): Record<string, number> => Object.fromEntries(keys.map((key) => [key, 0]));

/** The figures as `GET /api/v1/metrics` shows them (a series not printed counts 0). */
export function metricFigures(samples: ReadonlyMap<string, number>): RecoveryFigures {
  const faults = zeros(FAULT_KINDS);
  const recoveries = zeros(OUTCOMES);
  for (const kind of FAULT_KINDS) faults[kind] = samples.get(`aicli_agent_faults_total{kind="${kind}"}`) ?? 0;
  for (const outcome of OUTCOMES) recoveries[outcome] = samples.get(`aicli_error_recovery_total{outcome="${outcome}"}`) ?? 0;
  return { faults, recoveries };
}

/** The figures counted from the stored log: recoveries as reported to the pool stream, and from the session streams. */
export function storedFigures(log: readonly RecordedEvent[]): { readonly reported: RecoveryFigures; readonly fromSessions: RecoveryFigures } {
  const faults = zeros(FAULT_KINDS);
  const reported = zeros(OUTCOMES);
  const fromSessions = zeros(OUTCOMES);
  for (const event of log) {
    if (event.stream.startsWith(STREAM_PREFIX.session)) {
      const reading = readFault(event);
      if (reading.kind === 'fault') faults[reading.fault.kind] = (faults[reading.fault.kind] ?? 0) + 1;
      const from = event.metadata['from'];
      const to = event.metadata['to'];
      const outcome = recoveryOutcome(event.type, from, to);
      if (outcome !== null) fromSessions[outcome] = (fromSessions[outcome] ?? 0) + 1;
    } else if (event.stream.startsWith(STREAM_PREFIX.pool) && event.type === POOL_PERSISTED_NAME.RECOVERY_REPORTED) {
      const outcome = (event.data as Record<string, unknown> | null)?.['outcome'];
      if (typeof outcome === 'string') reported[outcome] = (reported[outcome] ?? 0) + 1;
    }
  }
  return { reported: { faults, recoveries: reported }, fromSessions: { faults, recoveries: fromSessions } };
}

/** The recovery outcome a stored session event stands for, from its type and its states before and after. */
function recoveryOutcome(type: string, from: unknown, to: unknown): (typeof OUTCOMES)[number] | null {
  if (from !== 'recovering' && to === 'recovering') return 'started';
  if (type === SESSION_PERSISTED_NAME.RECOVERY_SUCCEEDED && from === 'recovering' && to !== 'recovering' && to !== 'failed') return 'succeeded';
  if (from !== 'failed' && to === 'failed') return 'failed';
  return null;
}

/** `what: metric M, stored S` for every figure that differs. */
export function figureMismatches(metrics: RecoveryFigures, stored: RecoveryFigures, label: string): string[] {
  const mismatches: string[] = [];
  for (const group of ['faults', 'recoveries'] as const) {
    for (const key of new Set([...Object.keys(metrics[group]), ...Object.keys(stored[group])])) {
      const metric = metrics[group][key] ?? 0;
      const truth = stored[group][key] ?? 0;
      if (metric !== truth) mismatches.push(`${group}.${key}: metrics ${metric}, ${label} ${truth}`);
    }
  }
  return mismatches;
}
