/**
 * The circuit breaker's specification (docs/session-pool.md, config `error_recovery.circuit_breaker`), checked
 * against a breaker's stored stream rather than against the machine's own helpers: each stored event names the
 * state before and after it (`metadata.from`/`to`), and every transition must be one the specification allows.
 * - closed → open only on a failed call that makes `consecutive_failure_threshold` failures in a row (the failure
 *   rate rule must be out of reach: `minimum_calls` larger than the scenario's calls), and a failed call that
 *   makes that many never leaves it closed;
 * - open → halfOpen only once the open period is over: `open_duration` × `backoff_multiplier`^(trips since the
 *   last close), at most `max_open_duration`;
 * - in halfOpen at most `half_open_max_probes` probes (`ProbeStarted`) at a time; a failed probe re-opens it, and
 *   `half_open_successes_to_close` successful probes close it; an abandoned probe (`ProbeAbandoned`: its call never
 *   reached the service) gives its slot back and stays half-open; the probe timeout re-opens it;
 * - every event continues from the state the previous one left.
 */
import { BREAKER_PERSISTED_NAME as B, RUNTIME_EVENT_TYPE } from '../../../machines/index.js';
import type { RecordedEvent } from '../../../src/store/index.js';

/** The configured options the check needs (milliseconds). */
export interface BreakerSpec {
  readonly consecutiveFailureThreshold: number;
  readonly openDurationMs: number;
  readonly maxOpenDurationMs: number;
  readonly backoffMultiplier: number;
  readonly halfOpenMaxProbes: number;
  readonly halfOpenSuccessesToClose: number;
}

/** What the stream shows, and every departure from the specification. */
export interface BreakerHistory {
  /** closed → open. */
  readonly trips: number;
  /** halfOpen → open: a failed probe. */
  readonly reopens: number;
  /** halfOpen → closed: successful probes. */
  readonly closes: number;
  readonly probes: number;
  readonly failures: number;
  readonly successes: number;
  /** The state after the last event. */
  readonly finalState: string | null;
  readonly violations: readonly string[];
}

const atOf = (event: RecordedEvent): number | null => {
  const fromMeta = event.metadata['at'];
  const fromData = (event.data as Record<string, unknown> | null)?.['at'];
  return typeof fromMeta === 'number' ? fromMeta : typeof fromData === 'number' ? fromData : null;
};

/** Checks one breaker's stream (`breaker-<name>`, in revision order) against `spec`. */
export function checkBreakerStream(events: readonly RecordedEvent[], spec: BreakerSpec): BreakerHistory {
  const violations: string[] = [];
  let state: string | null = null;
  let consecutiveFailures = 0;
  let tripsSinceClose = 0;
  let openUntil = 0;
  let probesInFlight = 0;
  let probeSuccesses = 0;
  const counts = { trips: 0, reopens: 0, closes: 0, probes: 0, failures: 0, successes: 0 };
  const open = (at: number): void => {
    openUntil = at + Math.min(spec.maxOpenDurationMs, spec.openDurationMs * spec.backoffMultiplier ** tripsSinceClose);
    tripsSinceClose += 1;
    probesInFlight = 0;
    probeSuccesses = 0;
  };

  for (const event of events) {
    const where = `#${event.revision} ${event.type}`;
    const from = typeof event.metadata['from'] === 'string' ? event.metadata['from'] : null;
    const to = typeof event.metadata['to'] === 'string' ? event.metadata['to'] : null;
    const at = atOf(event);
    if (event.type === RUNTIME_EVENT_TYPE.breakerCreated) {
      state = to;
      continue;
    }
    if (to === null || at === null) {
      violations.push(`${where}: no metadata.to or time`);
      continue;
    }
    if (from !== state) violations.push(`${where}: starts from ${from} but the previous event left ${state}`);
    if (event.type === B.CALL_FAILED) counts.failures += 1;
    if (event.type === B.CALL_SUCCEEDED) counts.successes += 1;
    if (event.type === B.PROBE_STARTED) counts.probes += 1;
    const move = `${state} → ${to}`;

    if (event.type === B.RESET) {
      if (to !== 'closed') violations.push(`${where}: a reset leaves ${to}, not closed`);
      tripsSinceClose = 0;
      consecutiveFailures = 0;
    } else if (event.type === B.ISOLATE) {
      if (to !== 'isolated') violations.push(`${where}: isolating leaves ${to}`);
    } else if (state === 'closed') {
      if (event.type === B.CALL_SUCCEEDED) {
        consecutiveFailures = 0;
        if (to !== 'closed') violations.push(`${where}: ${move} on a success`);
      } else if (event.type === B.CALL_FAILED) {
        consecutiveFailures += 1;
        const due = consecutiveFailures >= spec.consecutiveFailureThreshold;
        if (due && to !== 'open') violations.push(`${where}: ${consecutiveFailures} failures in a row (threshold ${spec.consecutiveFailureThreshold}) but ${move}`);
        if (!due && to !== 'closed') violations.push(`${where}: ${move} after only ${consecutiveFailures} failures in a row (threshold ${spec.consecutiveFailureThreshold})`);
        if (to === 'open') {
          counts.trips += 1;
          consecutiveFailures = 0;
          open(at);
        }
      } else {
        violations.push(`${where}: stored while closed (${move})`);
      }
    } else if (state === 'open') {
      if (to === 'halfOpen' && (event.type === B.PROBE_STARTED || event.type === B.TIMER_ELAPSED)) {
        if (at < openUntil) violations.push(`${where}: half-open at ${at}, ${openUntil - at} ms before the open period ends`);
        if (event.type === B.PROBE_STARTED) probesInFlight = 1;
      } else {
        violations.push(`${where}: ${move} while open`);
      }
    } else if (state === 'halfOpen') {
      if (event.type === B.PROBE_STARTED) {
        probesInFlight += 1;
        if (probesInFlight > spec.halfOpenMaxProbes) violations.push(`${where}: ${probesInFlight} probes in flight (max ${spec.halfOpenMaxProbes})`);
        if (to !== 'halfOpen') violations.push(`${where}: ${move} on a probe start`);
      } else if (event.type === B.CALL_FAILED) {
        if (probesInFlight === 0) violations.push(`${where}: a failure counted with no probe in flight`);
        if (to !== 'open') violations.push(`${where}: a failed probe gives ${move}, not open`);
        else {
          counts.reopens += 1;
          open(at);
        }
      } else if (event.type === B.CALL_SUCCEEDED) {
        if (probesInFlight === 0) violations.push(`${where}: a success counted with no probe in flight`);
        probesInFlight = Math.max(0, probesInFlight - 1);
        probeSuccesses += 1;
        const closes = probeSuccesses >= spec.halfOpenSuccessesToClose;
        if (closes && to !== 'closed') violations.push(`${where}: ${probeSuccesses} successful probes (to close: ${spec.halfOpenSuccessesToClose}) but ${move}`);
        if (!closes && to !== 'halfOpen') violations.push(`${where}: ${move} after ${probeSuccesses} successful probes (to close: ${spec.halfOpenSuccessesToClose})`);
        if (to === 'closed') {
          counts.closes += 1;
          tripsSinceClose = 0;
          consecutiveFailures = 0;
        }
      } else if (event.type === B.PROBE_ABANDONED) {
        // A probe whose call never reached the service gives its slot back; nothing is counted.
        if (probesInFlight === 0) violations.push(`${where}: a probe abandoned with no probe in flight`);
        probesInFlight = Math.max(0, probesInFlight - 1);
        if (to !== 'halfOpen') violations.push(`${where}: an abandoned probe gives ${move}, not halfOpen`);
      } else if (event.type === B.TIMER_ELAPSED) {
        // The probe timeout: probes that did not report count as failed.
        if (probesInFlight === 0) violations.push(`${where}: a probe timeout with no probe in flight`);
        if (to !== 'open') violations.push(`${where}: a probe timeout gives ${move}, not open`);
        else {
          counts.reopens += 1;
          open(at);
        }
      } else {
        violations.push(`${where}: ${move} while half-open`);
      }
    } else {
      violations.push(`${where}: stored in state ${state}`);
    }
    state = to;
  }
  return { ...counts, finalState: state, violations };
}
