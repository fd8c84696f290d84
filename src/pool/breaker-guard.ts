/**
 * A circuit breaker actor used as a guard around calls: ask `admit()` before a call (fails fast with
 * `BreakerOpen` while open, turns the call into a half-open probe when it is time), then report the outcome.
 * Outcome reports are appended to the breaker's stream in the background; a failure to store one is reported,
 * never thrown at the caller.
 */
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { admission, BREAKER_EVENT, type BreakerStateValue, type circuitBreakerMachine } from '../../machines/index.js';
import { SEND_OUTCOME, type Clock, type PersistedActor, type RuntimeError } from '../runtime/index.js';
import { POOL_ERROR_KIND, runtimeFailure, type PoolError } from './errors.js';

type BreakerActor = PersistedActor<typeof circuitBreakerMachine>;

/** While a half-open probe is in flight, how soon a refused caller should ask again. */
const PROBE_RECHECK_MS = 100;

/** A breaker as a call guard. */
export class BreakerGuard {
  constructor(
    readonly actor: BreakerActor,
    private readonly clock: Clock,
    private readonly report: (error: RuntimeError) => void,
  ) {}

  /** The breaker's name. */
  get name(): string {
    return this.actor.id;
  }

  /** The breaker's state now. */
  get state(): BreakerStateValue {
    return this.actor.getSnapshot().value as BreakerStateValue;
  }

  /** Whether a call now would be refused (without recording anything). */
  get refusing(): boolean {
    return admission(this.actor.getSnapshot(), this.clock.now()) === 'reject';
  }

  /** Admits a call: at once when closed, as a persisted probe when half-open is due, `BreakerOpen` otherwise. */
  admit(): ResultAsync<void, PoolError> {
    const at = this.clock.now();
    const decision = admission(this.actor.getSnapshot(), at);
    if (decision === 'call') return okAsync(undefined);
    if (decision === 'reject') return errAsync(this.open());
    return this.actor
      .send({ type: BREAKER_EVENT.PROBE_STARTED, at })
      .mapErr(runtimeFailure)
      .andThen((outcome) => (outcome.kind === SEND_OUTCOME.committed ? okAsync(undefined) : errAsync(this.open())));
  }

  /** Records a successful call that took `durationMs`. */
  succeeded(durationMs: number): void {
    void this.actor.send({ type: BREAKER_EVENT.CALL_SUCCEEDED, at: this.clock.now(), durationMs }).mapErr(this.report);
  }

  /** Records a failed call. */
  failed(durationMs: number, errorKind: string): void {
    void this.actor.send({ type: BREAKER_EVENT.CALL_FAILED, at: this.clock.now(), durationMs, errorKind }).mapErr(this.report);
  }

  /** `BreakerOpen`, with when to ask again: the end of the open period, soon while a half-open probe runs, never when isolated. */
  private open(): PoolError {
    const snapshot = this.actor.getSnapshot();
    const deadline = snapshot.context.deadline;
    const retryAt = deadline !== null ? deadline.at : snapshot.value === 'halfOpen' ? this.clock.now() + PROBE_RECHECK_MS : null;
    return { kind: POOL_ERROR_KIND.BreakerOpen, breaker: this.name, retryAt };
  }
}
