/**
 * A persisted actor: one machine instance whose every accepted event is appended to its stream before anything
 * else happens. `send` computes the pure `step`; an ignored event stores nothing; an accepted one is appended with
 * the revision the snapshot was computed from as `expectedRevision`, followed in the same append by the outcome
 * events its kind records for the step's actions (a session's `TurnAborted`s: a crash between two writes cannot
 * lose them; those actions are never performed), and only once that append is durable does the
 * handle adopt the new snapshot, start the side effects, re-arm the deadline timer, notify listeners and observers
 * and, every N events, store a snapshot. Sends run one at a time (a per-actor queue); when another process has
 * committed first (`WrongExpectedVersion`, or new events found before answering "ignored") the handle folds the
 * events it missed and steps again, a bounded number of times.
 */
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import type { AnyStateMachine, EventFromLogic, SnapshotFrom } from 'xstate';
import { step, TIMER_ELAPSED, type Deadline, type Step } from '../../machines/index.js';
import { isWrongExpectedVersion, newEventId, type RecordedEvent } from '../store/index.js';
import type { ActorKind } from './actor-kind.js';
import { checkEvent, encodeAccepted, encodeOutcome, stateValueOf, type ActorEventMetadata, type Causation } from './codec.js';
import { HOST_FAULT_KIND, SEND_OUTCOME } from './constants.js';
import { DeadlineTimer } from './deadline-timer.js';
import { performEffects, type EffectCall, type EffectHandlers, type ExecutableAction } from './effects.js';
import { actorConflict, actorStopped, storeFailure, type RuntimeError } from './errors.js';
import { foldOne, type Folded } from './fold.js';
import type { HostServices } from './host-services.js';
import { guarded, lastRevisionOf, type Commit, type CommittedOutcome } from './observer.js';
import { readForwards } from './read-stream.js';
import { SerialQueue } from './serial-queue.js';
import { writeSnapshot } from './snapshots.js';

/** Tracing ids of a send; all optional. */
export interface SendOptions {
  /** Id of the event or command that caused this one. */
  readonly causationId?: string | null;
  /** Id shared by one request's events; default: the new event's own id. */
  readonly correlationId?: string;
  /** The stored event's id (a UUID); pass the same one when retrying a send so the store can deduplicate. */
  readonly eventId?: string;
}

/** What a send did: committed the event at `commit.revision` and started `effects`, or ignored it (nothing stored). */
export type SendOutcome<TMachine extends AnyStateMachine> =
  | { readonly kind: typeof SEND_OUTCOME.committed; readonly commit: Commit<TMachine>; readonly effects: readonly EffectCall[] }
  | {
      readonly kind: typeof SEND_OUTCOME.ignored;
      readonly revision: bigint;
      readonly snapshot: SnapshotFrom<TMachine>;
      readonly event: EventFromLogic<TMachine>;
    };

/** A listener of one actor's commits. */
export type CommitListener<TMachine extends AnyStateMachine> = (commit: Commit<TMachine>) => void;

/** What a handle starts from: where it lives and what it has folded so far. */
export interface PersistedActorInit<TMachine extends AnyStateMachine> {
  readonly kind: ActorKind<TMachine>;
  readonly id: string;
  readonly stream: string;
  readonly folded: Folded<TMachine>;
  readonly effects: EffectHandlers<TMachine>;
  readonly services: HostServices;
  /** Called once when the handle stops, so its host forgets it. */
  readonly onStop: () => void;
}

/** The handle of one hosted, persisted actor. */
export class PersistedActor<TMachine extends AnyStateMachine> {
  readonly kind: ActorKind<TMachine>;
  readonly id: string;
  readonly stream: string;
  readonly #effects: EffectHandlers<TMachine>;
  readonly #services: HostServices;
  readonly #onStop: () => void;
  readonly #queue = new SerialQueue();
  readonly #listeners = new Set<CommitListener<TMachine>>();
  readonly #timer: DeadlineTimer;
  #snapshot: SnapshotFrom<TMachine>;
  #revision: bigint;
  /** Who set the current deadline: the causation of the `TIMER_ELAPSED` it will produce. */
  #deadlineCause: Causation | null = null;
  #stopped = false;

  constructor(init: PersistedActorInit<TMachine>) {
    this.kind = init.kind;
    this.id = init.id;
    this.stream = init.stream;
    this.#effects = init.effects;
    this.#services = init.services;
    this.#onStop = init.onStop;
    this.#snapshot = init.folded.snapshot;
    this.#revision = init.folded.revision;
    this.#timer = new DeadlineTimer(init.services.clock, init.services.timers, (deadline) => this.#deadlineDue(deadline));
  }

  /** Revision of the last event of the stream this handle has folded. */
  get revision(): bigint {
    return this.#revision;
  }

  /** True once `stop()` was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** The current snapshot (the state after the last committed event). */
  getSnapshot(): SnapshotFrom<TMachine> {
    return this.#snapshot;
  }

  /** Sends one event: committed (durable, effects started) or ignored; errors are typed, the snapshot unchanged by them. */
  send(event: EventFromLogic<TMachine>, options: SendOptions = {}): ResultAsync<SendOutcome<TMachine>, RuntimeError> {
    return new ResultAsync(this.#queue.run(() => this.#send(event, options)));
  }

  /** Calls `listener` after each commit (this process's and those learned from other writers), in revision order. */
  subscribe(listener: CommitListener<TMachine>): { unsubscribe(): void } {
    this.#listeners.add(listener);
    return { unsubscribe: () => void this.#listeners.delete(listener) };
  }

  /** Refuses further sends, waits for the ones queued, clears the timer. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#onStop();
    }
    await this.#queue.idle();
    this.#timer.clear();
  }

  /**
   * Starts hosting: for a freshly created actor (`created`: the entry actions of its initial snapshot and the id
   * and correlation of its first event) performs the entry actions; then arms the deadline and tells the
   * observers. A restored actor (`created` is `null`) performs nothing. Called once, by the host.
   */
  begin(created: { readonly actions: Step<TMachine>['actions']; readonly eventId: string; readonly correlationId: string } | null): void {
    const { stream } = this;
    const revision = this.#revision;
    const snapshot = this.#snapshot;
    if (created !== null) {
      const { actions, eventId, correlationId } = created;
      performEffects(this.#performable(actions), this.#effects, { stream, revision, eventId, correlationId, snapshot }, this.#services.report);
      this.#deadlineCause = { causationId: eventId, correlationId };
    }
    this.#timer.arm(this.#deadline());
    const hosted = { stream, kind: this.kind as ActorKind, revision, snapshot, restored: created === null };
    for (const observer of this.#services.observers) guarded(stream, this.#services.report, () => observer.actorStarted?.(hosted));
  }

  async #send(event: EventFromLogic<TMachine>, options: SendOptions): Promise<Result<SendOutcome<TMachine>, RuntimeError>> {
    if (this.#stopped) return err(actorStopped(this.stream));
    const persistedType = checkEvent(this.kind, this.stream, event);
    if (persistedType.isErr()) return err(persistedType.error);
    const eventId = options.eventId ?? newEventId();
    const causation: Causation = { causationId: options.causationId ?? null, correlationId: options.correlationId ?? eventId };
    const { store, maxConflictRetries } = this.#services;
    for (let attempt = 1; ; attempt += 1) {
      const before = this.#snapshot;
      const next = step(this.kind.machine, before, event);
      if (!next.accepted) {
        // Ignoring is a decision too: make sure it was not taken on a snapshot another writer has moved on from.
        const caughtUp = await this.#catchUp();
        if (caughtUp.isErr()) return err(caughtUp.error);
        if (caughtUp.value === 0) return ok({ kind: SEND_OUTCOME.ignored, revision: this.#revision, snapshot: before, event });
        if (attempt > maxConflictRetries) return err(actorConflict(this.stream, attempt));
        continue;
      }
      const metadata: ActorEventMetadata = {
        from: stateValueOf(before),
        to: stateValueOf(next.snapshot),
        ...causation,
        at: (event as { at: number }).at,
      };
      const outcomes = this.kind.outcomes.derive(next.actions, event).map((outcome) => ({ ...outcome, eventId: newEventId() }));
      const outcomeMetadata: ActorEventMetadata = { ...metadata, from: metadata.to, causationId: eventId };
      const toAppend = [
        encodeAccepted(eventId, persistedType.value, event, metadata),
        ...outcomes.map((outcome) => encodeOutcome(outcome.eventId, outcome, outcomeMetadata)),
      ];
      const appended = await store.append(this.stream, toAppend, { expectedRevision: this.#revision });
      if (appended.isOk()) {
        const revision = appended.value.nextExpectedRevision - BigInt(outcomes.length);
        const commit: Commit<TMachine> = {
          stream: this.stream,
          revision,
          eventId,
          type: persistedType.value,
          event,
          before,
          snapshot: next.snapshot,
          local: true,
          outcomes: outcomes.map(({ eventId: id, type, data }, index) => ({ revision: revision + BigInt(index + 1), eventId: id, type, data })),
        };
        const committed = this.#commit(commit, next.actions, causation.correlationId);
        if (this.#snapshotDue(commit)) await this.#writeSnapshot(commit);
        return ok(committed);
      }
      if (!isWrongExpectedVersion(appended.error)) return err(storeFailure(appended.error));
      if (attempt > maxConflictRetries) return err(actorConflict(this.stream, attempt));
      const caughtUp = await this.#catchUp();
      if (caughtUp.isErr()) return err(caughtUp.error);
    }
  }

  /** Adopts a durable commit: snapshot, effects, timer, listeners, observers (the caller then stores a snapshot when one is due). */
  #commit(commit: Commit<TMachine>, actions: Step<TMachine>['actions'], correlationId: string): SendOutcome<TMachine> {
    this.#adopt(commit, { causationId: commit.eventId, correlationId });
    const { stream, revision, eventId, snapshot } = commit;
    const effects = performEffects(this.#performable(actions), this.#effects, { stream, revision, eventId, correlationId, snapshot }, this.#services.report);
    this.#rearm();
    this.#notify(commit);
    return { kind: SEND_OUTCOME.committed, commit, effects };
  }

  #adopt(commit: Commit<TMachine>, cause: Causation): void {
    const previous = this.#deadline();
    this.#snapshot = commit.snapshot;
    this.#revision = lastRevisionOf(commit);
    const current = this.#deadline();
    if (current !== null && (previous === null || previous.name !== current.name || previous.at !== current.at)) this.#deadlineCause = cause;
  }

  /** Folds what other writers committed since our revision, without performing their effects (they did); says how many. */
  async #catchUp(): Promise<Result<number, RuntimeError>> {
    const { store, readPageSize, report } = this.#services;
    const missed = await readForwards(store, this.stream, { from: this.#revision + 1n, pageSize: readPageSize });
    if (missed.isErr()) return err(missed.error);
    // A commit is announced once the outcomes stored after its event are known (they follow it in the stream).
    let pending: { commit: Commit<TMachine>; outcomes: CommittedOutcome[] } | null = null;
    const announce = (): void => {
      if (pending !== null) this.#notify({ ...pending.commit, outcomes: pending.outcomes });
      pending = null;
    };
    for (const recorded of missed.value) {
      const applied = foldOne(this.kind, this.#snapshot, recorded);
      if (applied.isErr()) return err(applied.error);
      const { event, before, after, accepted, outcome } = applied.value;
      if (outcome) {
        pending?.outcomes.push({ revision: recorded.revision, eventId: recorded.id, type: recorded.type, data: recorded.data });
        this.#revision = recorded.revision;
        continue;
      }
      if (event === null || before === null) continue;
      announce();
      if (!accepted) report({ kind: HOST_FAULT_KIND.ReplayDrift, stream: this.stream, revision: recorded.revision, type: recorded.type });
      const commit: Commit<TMachine> = {
        stream: this.stream,
        revision: recorded.revision,
        eventId: recorded.id,
        type: recorded.type,
        event,
        before,
        snapshot: after,
        local: false,
        outcomes: [],
      };
      this.#adopt(commit, { causationId: recorded.id, correlationId: correlationOf(recorded) });
      pending = { commit, outcomes: [] };
    }
    announce();
    this.#rearm();
    return ok(missed.value.length);
  }

  #deadline(): Deadline | null {
    return (this.#snapshot as { status: string }).status === 'active' ? this.kind.deadlineOf(this.#snapshot) : null;
  }

  #rearm(): void {
    if (!this.#stopped) this.#timer.arm(this.#deadline());
  }

  #notify(commit: Commit<TMachine>): void {
    const { report, observers } = this.#services;
    for (const listener of this.#listeners) guarded(this.stream, report, () => listener(commit));
    for (const observer of observers) guarded(this.stream, report, () => observer.committed?.(commit as unknown as Commit));
  }

  /** Actions to perform: the step's, less those the kind records as outcome events. */
  #performable<T extends ExecutableAction>(actions: readonly T[]): readonly T[] {
    const recorded = this.kind.outcomes.actions;
    return recorded.length === 0 ? actions : actions.filter((action) => !recorded.includes(action.type));
  }

  /** Whether the revisions `commit` wrote (event and outcomes together) reach a multiple of `snapshotEvery`. */
  #snapshotDue(commit: Commit<TMachine>): boolean {
    const every = BigInt(this.#services.snapshotEvery);
    return (lastRevisionOf(commit) + 1n) / every !== commit.revision / every;
  }

  async #writeSnapshot(commit: Commit<TMachine>): Promise<void> {
    const { store, report } = this.#services;
    const last = lastRevisionOf(commit);
    const lastId = commit.outcomes.at(-1)?.eventId ?? commit.eventId;
    const written = await writeSnapshot(store, this.kind, this.stream, { snapshot: commit.snapshot, revision: last }, lastId);
    if (written.isErr()) report({ kind: HOST_FAULT_KIND.SnapshotFailed, stream: this.stream, error: written.error });
  }

  #deadlineDue(deadline: Deadline): void {
    const event = { type: TIMER_ELAPSED, name: deadline.name, at: this.#services.clock.now() } as EventFromLogic<TMachine>;
    const cause = this.#deadlineCause;
    const options: SendOptions = cause === null ? {} : { causationId: cause.causationId, correlationId: cause.correlationId };
    void this.send(event, options).mapErr((error) => {
      if (this.#stopped) return;
      this.#services.report({ kind: HOST_FAULT_KIND.TimerFailed, stream: this.stream, deadline, error });
      this.#timer.retry(deadline, this.#services.timerRetryMs);
    });
  }
}

const correlationOf = (recorded: RecordedEvent): string => {
  const correlationId = recorded.metadata['correlationId'];
  return typeof correlationId === 'string' ? correlationId : recorded.id;
};
