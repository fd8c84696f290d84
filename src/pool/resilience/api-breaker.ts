/**
 * The `anthropic-api` breaker as the pool uses it, where "a call" is a turn. A message is admitted before it is
 * accepted: at once while the breaker is closed, as the probe when it is due for one (a stored `ProbeStarted`), or
 * refused (`BreakerOpen`, with when to come back). What a turn tells about the API:
 * - each `system/api_retry` line is a failed API call;
 * - its result: answered (`is_error: false`, or an API error that is the caller's, such as 400 or 401: the API was
 *   reached) is a success; an API error that says the API is unreachable or overloaded (no HTTP status, 408, 429,
 *   5xx) is a failure; any other error result (an interrupt, a turn limit) says nothing about the API.
 * While closed every such outcome is reported. Otherwise only the probe turns' outcomes are (other turns' are
 * ignored, so they can neither close the breaker nor eat a probe's slot): the first failure or the result decides a
 * probe; a probe turn that is refused, aborted (crash, terminate) or ends inconclusively is abandoned, which frees
 * its slot for the next message. A probe from an earlier half-open period (the breaker opened and came back since)
 * is forgotten, and the breaker's probe timeout bounds a probe turn that never reports at all.
 */
import { ok, okAsync, type ResultAsync } from 'neverthrow';
import type { BreakerStateValue } from '../../../machines/index.js';
import type { ApiRetryEvent, ResultEvent } from '../../agent/index.js';
import type { BreakerGuard } from './breaker-guard.js';
import type { PoolError } from '../errors.js';

/** What one piece of a turn says about the API. */
export type ApiOutcome = { readonly kind: 'answered' } | { readonly kind: 'failed'; readonly errorKind: string } | { readonly kind: 'inconclusive' };

/** HTTP statuses of an API error that mean the API is not available (rather than refusing this request). */
const UNAVAILABLE_STATUS = (status: number): boolean => status === 408 || status === 429 || status >= 500;

const errorKindOf = (status: number | null): string => (status === null ? 'api_error' : `http_${status}`);

/** What a turn's result line says about the API. */
export function resultOutcome(result: ResultEvent): ApiOutcome {
  if (!result.isError) return { kind: 'answered' };
  if (!result.apiError) return { kind: 'inconclusive' };
  const status = result.apiErrorStatus;
  return status === null || UNAVAILABLE_STATUS(status) ? { kind: 'failed', errorKind: errorKindOf(status) } : { kind: 'answered' };
}

/** The API breaker seen through turns. */
export class ApiTurnBreaker {
  /** Probe turns in flight, with the breaker's trip count when each was admitted (its half-open period). */
  readonly #probes = new Map<string, number>();

  constructor(readonly guard: BreakerGuard) {}

  /** The breaker's state now. */
  get state(): BreakerStateValue {
    return this.guard.state;
  }

  /**
   * Admits the message that would start turn `turnId` (as the probe when one is due), or refuses it. True when it
   * became a probe: then call `refused` if the message is not accepted after all. A turn that is already a probe
   * (a retried send of the same turn) is let through without a second admission.
   */
  admit(turnId: string): ResultAsync<boolean, PoolError> {
    if (this.#probes.has(turnId)) return okAsync(false);
    return this.guard.admit().andThen((admitted) => {
      if (admitted === 'probe') this.#probes.set(turnId, this.guard.trips);
      return ok(admitted === 'probe');
    });
  }

  /** The message of probe `turnId` was not accepted after all: its slot is given back. */
  refused(turnId: string): void {
    this.#end(turnId, { kind: 'inconclusive' }, 0, 'its message was not accepted');
  }

  /** An `api_retry` line during `turnId`: one failed API call. */
  retried(turnId: string | undefined, event: ApiRetryEvent): void {
    this.#report(turnId, { kind: 'failed', errorKind: errorKindOf(event.errorStatus) }, event.retryDelayMs, 'api_retry');
  }

  /** The result line that ended `turnId`. */
  ended(turnId: string | undefined, result: ResultEvent): void {
    this.#report(turnId, resultOutcome(result), result.durationMs, `its turn ended without an API outcome (${result.subtype})`);
  }

  /** Turns that will not complete (a crash, terminate, a failed session): their probes are abandoned. */
  aborted(turnIds: readonly string[], reason: string): void {
    for (const turnId of turnIds) this.#end(turnId, { kind: 'inconclusive' }, 0, `its turn was aborted (${reason})`);
  }

  #report(turnId: string | undefined, outcome: ApiOutcome, durationMs: number, why: string): void {
    if (turnId !== undefined && this.#probes.has(turnId)) {
      this.#end(turnId, outcome, durationMs, why);
      return;
    }
    if (this.guard.state !== 'closed') return;
    if (outcome.kind === 'answered') this.guard.succeeded(durationMs);
    else if (outcome.kind === 'failed') this.guard.failed(durationMs, outcome.errorKind);
  }

  /** Ends probe `turnId` (if it is one) with `outcome`; a probe of an earlier half-open period is only forgotten. */
  #end(turnId: string, outcome: ApiOutcome, durationMs: number, why: string): void {
    const trips = this.#probes.get(turnId);
    if (trips === undefined) return;
    this.#probes.delete(turnId);
    if (this.guard.state !== 'halfOpen' || this.guard.trips !== trips) return;
    if (outcome.kind === 'answered') this.guard.succeeded(durationMs);
    else if (outcome.kind === 'failed') this.guard.failed(durationMs, outcome.errorKind);
    else this.guard.abandoned(`probe turn ${turnId}: ${why}`);
  }
}
