/**
 * A circuit breaker actor used as a guard around calls: ask `admit()` before a call (fails fast with
 * `BreakerOpen` while open, turns the call into a half-open probe when it is time), then report the outcome.
 * A caller admitted as a probe must end it: `succeeded`, `failed`, or `abandoned` when the call never reached the
 * guarded service. Outcome reports are appended to the breaker's stream in the background; a failure to store one
 * is reported, never thrown at the caller.
 */
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import { admission, BREAKER_EVENT, type BreakerOptions, type BreakerStateValue, type circuitBreakerMachine } from '../../../machines/index.js';
import {
  isRuntimeErrorOf,
  RUNTIME_ERROR_KIND,
  SEND_OUTCOME,
  type ActorRepository,
  type Clock,
  type PersistedActor,
  type RuntimeError,
} from '../../runtime/index.js';
import { POOL_ERROR_KIND, runtimeFailure, type PoolError } from '../errors.js';

type BreakerActor = PersistedActor<typeof circuitBreakerMachine>;

/** While a half-open probe is in flight, how soon a refused caller should ask again. */
const PROBE_RECHECK_MS = 100;

const ignore = (): void => undefined;

/** How a call was admitted: as an ordinary call (closed), or as a half-open probe. */
export type Admitted = 'call' | 'probe';

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

  /** Times the breaker has opened, ever: tells one half-open period from the next. */
  get trips(): number {
    return this.actor.getSnapshot().context.trips;
  }

  /** Admits a call: at once when closed, as a persisted probe (`ProbeStarted`) when half-open is due, `BreakerOpen` otherwise. */
  admit(): ResultAsync<Admitted, PoolError> {
    const at = this.clock.now();
    const decision = admission(this.actor.getSnapshot(), at);
    if (decision === 'call') return okAsync('call');
    if (decision === 'reject') return errAsync(this.open());
    return this.actor
      .send({ type: BREAKER_EVENT.PROBE_STARTED, at })
      .mapErr(runtimeFailure)
      .andThen((outcome) => (outcome.kind === SEND_OUTCOME.committed ? okAsync<Admitted, PoolError>('probe') : errAsync(this.open())));
  }

  /** Records a successful call that took `durationMs`. */
  succeeded(durationMs: number): void {
    void this.actor.send({ type: BREAKER_EVENT.CALL_SUCCEEDED, at: this.clock.now(), durationMs }).match(ignore, this.report);
  }

  /** Records a failed call. */
  failed(durationMs: number, errorKind: string): void {
    void this.actor.send({ type: BREAKER_EVENT.CALL_FAILED, at: this.clock.now(), durationMs, errorKind }).match(ignore, this.report);
  }

  /** Gives back the slot of a probe whose call never reached the service (`ProbeAbandoned`); nothing is counted. */
  abandoned(reason: string): void {
    void this.actor.send({ type: BREAKER_EVENT.PROBE_ABANDONED, at: this.clock.now(), reason }).mapErr(this.report);
  }

  /** Makes the configuration in force at start the breaker's options (stored options from an earlier run lose). */
  reconfigure(options: Partial<BreakerOptions>): ResultAsync<void, RuntimeError> {
    // The machine ignores options equal to its own, so this stores a `BreakerReconfigured` only on a change.
    return this.actor.send({ type: BREAKER_EVENT.RECONFIGURED, at: this.clock.now(), options }).map(() => undefined);
  }

  /**
   * At start: the probes a restored half-open breaker still counts in flight died with the previous run (their
   * outcome will never come), so each is abandoned and the next call can probe.
   */
  abandonLostProbes(): ResultAsync<void, RuntimeError> {
    const snapshot = this.actor.getSnapshot();
    if (snapshot.value !== 'halfOpen' || snapshot.context.probesInFlight === 0) return okAsync(undefined);
    const reason = 'the probe was lost with the previous run';
    const abandonOne = (): ResultAsync<void, RuntimeError> =>
      this.actor.send({ type: BREAKER_EVENT.PROBE_ABANDONED, at: this.clock.now(), reason }).map(() => undefined);
    return Array.from({ length: snapshot.context.probesInFlight }).reduce<ResultAsync<void, RuntimeError>>(
      (chain) => chain.andThen(abandonOne),
      okAsync(undefined),
    );
  }

  /** `BreakerOpen`, with when to ask again: the end of the open period, soon while a half-open probe runs, never when isolated. */
  private open(): PoolError {
    const snapshot = this.actor.getSnapshot();
    const deadline = snapshot.context.deadline;
    const retryAt =
      snapshot.value === 'open' && deadline !== null ? deadline.at : snapshot.value === 'halfOpen' ? this.clock.now() + PROBE_RECHECK_MS : null;
    return { kind: POOL_ERROR_KIND.BreakerOpen, breaker: this.name, retryAt };
  }
}

/**
 * Breaker `name` of `actors` as a guard: loaded from its stream, or created with `options` when it has none; then the
 * configuration in force at start wins over the options stored by an earlier run, and a breaker stored half-open with
 * probes in flight gives them up (they were lost with the previous run).
 */
export function openBreakerGuard(
  actors: ActorRepository<typeof circuitBreakerMachine>,
  name: string,
  options: BreakerOptions,
  clock: Clock,
  report: (error: RuntimeError) => void,
): ResultAsync<BreakerGuard, RuntimeError> {
  return actors
    .load(name)
    .orElse((error) => (isRuntimeErrorOf(RUNTIME_ERROR_KIND.ActorNotFound)(error) ? actors.create({ name, ...options }) : errAsync(error)))
    .map((actor) => new BreakerGuard(actor, clock, report))
    .andThen((guard) => guard.reconfigure(options).map(() => guard))
    .andThen((guard) => guard.abandonLostProbes().map(() => guard));
}
