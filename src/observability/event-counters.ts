/**
 * The counters of stored events (see `projections/event-counts.ts` for what each event counts for): real counters,
 * incremented as the projection host folds each live event, with every known label value at 0 from the first
 * scrape so that Prometheus sees the step from 0 to the first fault, recovery or turn. Events folded while the
 * host catches up with the log at start are history, not counted: like every counter, these count since start.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { BREAKER_STATES } from '../../machines/circuit-breaker.machine.js';
import { FAULT_KINDS } from '../../projections/faults.js';
import { countEvent, PROBE_OUTCOMES, RECOVERY_COUNT_OUTCOMES, TURN_OUTCOMES, type EventCountSink } from '../../projections/event-counts.js';
import type { ProjectedEvent } from '../../projections/event.js';

/** Counts one live stored event. */
export type EventCounter = (event: ProjectedEvent) => void;

/**
 * `succeeded / (succeeded + failed)` recoveries since start; `NaN` while none finished (no data, not a perfect
 * score: an alert comparing it stays quiet, a panel shows no value).
 */
export function recoverySuccessRate(succeeded: number, failed: number): number {
  const finished = succeeded + failed;
  return finished === 0 ? Number.NaN : succeeded / finished;
}

/** Registers the event counters on `registry`, initialised for `breakers` (their names), and returns what counts an event. */
export function registerEventCounters(registry: Registry, breakers: readonly string[]): EventCounter {
  const registers = [registry];
  /** Recoveries finished since start, for the success rate. */
  const finished = { succeeded: 0, failed: 0 };
  const faults = new Counter({ name: 'aicli_agent_faults_total', help: 'Agent faults by kind (crash, hang, stall, garbage, exit).', labelNames: ['kind'], registers });
  const recoveries = new Counter({
    name: 'aicli_error_recovery_total',
    help: 'Agent recoveries by outcome: started, succeeded (the agent is back), failed (the session gave up).',
    labelNames: ['outcome'],
    registers,
  });
  const turns = new Counter({ name: 'aicli_turns_total', help: 'Turns ended, by outcome (completed, error: the agent reported an error, aborted).', labelNames: ['outcome'], registers });
  const apiRetries = new Counter({ name: 'aicli_agent_api_retries_total', help: "API calls the agents retried (the CLI's system/api_retry lines during a turn).", registers });
  const transitions = new Counter({
    name: 'aicli_circuit_breaker_transitions_total',
    help: 'Circuit breaker state changes, by breaker, from and to.',
    labelNames: ['breaker', 'from', 'to'],
    registers,
  });
  const probes = new Counter({
    name: 'aicli_circuit_breaker_probes_total',
    help: 'Half-open circuit breaker probes, by breaker and outcome (started, succeeded, failed, abandoned).',
    labelNames: ['breaker', 'outcome'],
    registers,
  });
  new Gauge({
    name: 'aicli_error_recovery_success_rate',
    help: 'Recoveries that succeeded divided by those that succeeded or failed since start (NaN while none did).',
    registers,
    collect() {
      this.set(recoverySuccessRate(finished.succeeded, finished.failed));
    },
  });

  for (const kind of FAULT_KINDS) faults.inc({ kind }, 0);
  for (const outcome of RECOVERY_COUNT_OUTCOMES) recoveries.inc({ outcome }, 0);
  for (const outcome of TURN_OUTCOMES) turns.inc({ outcome }, 0);
  for (const breaker of breakers) {
    for (const from of BREAKER_STATES) for (const to of BREAKER_STATES) if (from !== to) transitions.inc({ breaker, from, to }, 0);
    for (const outcome of PROBE_OUTCOMES) probes.inc({ breaker, outcome }, 0);
  }

  const sink: EventCountSink = {
    fault: (kind) => faults.inc({ kind }),
    recovery: (outcome) => {
      recoveries.inc({ outcome });
      if (outcome !== 'started') finished[outcome] += 1;
    },
    turn: (outcome) => turns.inc({ outcome }),
    apiRetry: () => apiRetries.inc(),
    breakerTransition: (breaker, from, to) => transitions.inc({ breaker, from, to }),
    breakerProbe: (breaker, outcome) => probes.inc({ breaker, outcome }),
  };
  return (event) => countEvent(event, sink);
}
