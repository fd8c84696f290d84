/**
 * Loading session actors and sending them events, for every session command: a session the index does not know
 * is `SessionNotFound`; a command whose `admission` refuses leaves a hibernated session unloaded, as it found it;
 * an actor that stopped between loading and sending (it was just hibernated and unloaded) is loaded again, once.
 */
import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow';
import type { SnapshotFrom } from 'xstate';
import { SESSION_EVENT, type SessionEvent, type sessionMachine } from '../../../machines/index.js';
import { isRuntimeErrorOf, mapErrAsync, RUNTIME_ERROR_KIND, SEND_OUTCOME, type ActorRepository, type SendOptions } from '../../runtime/index.js';
import { POOL_ERROR_KIND, runtimeFailure, type PoolError } from '../errors.js';
import type { Admission, RefusalOf } from './admission.js';
import type { SessionActor, SessionIndex } from './session-index.js';

/** What a sent event came to: whether the session accepted it, and its stream's revision and snapshot after. */
export interface Dispatched {
  readonly accepted: boolean;
  readonly revision: bigint;
  readonly snapshot: SnapshotFrom<typeof sessionMachine>;
}

/** What session actors are reached through. */
export interface SessionActorsDeps {
  readonly index: SessionIndex;
  readonly repository: ActorRepository<typeof sessionMachine>;
  readonly closed: () => boolean;
}

/** The pool's way to its session actors. */
export class SessionActors {
  constructor(private readonly deps: SessionActorsDeps) {}

  /** The session's actor (restored from its stream if it is not resident). */
  actor(sessionId: string): ResultAsync<SessionActor, PoolError> {
    if (this.deps.index.get(sessionId) === undefined) return errAsync({ kind: POOL_ERROR_KIND.SessionNotFound, sessionId });
    return mapErrAsync(this.deps.repository.load(sessionId), (error): PoolError =>
      isRuntimeErrorOf(RUNTIME_ERROR_KIND.ActorNotFound)(error) ? { kind: POOL_ERROR_KIND.SessionNotFound, sessionId } : runtimeFailure(error),
    );
  }

  /**
   * The session's actor, loaded once for one command, after `admission` let the command run on its snapshot. A
   * refused command leaves a hibernated session unloaded, as it found it.
   */
  admitted<E>(sessionId: string, admission: Admission<E> | undefined): ResultAsync<SessionActor, PoolError | RefusalOf<E>> {
    if (this.deps.closed()) return errAsync({ kind: POOL_ERROR_KIND.PoolClosed });
    const entry = this.deps.index.get(sessionId);
    const early = entry === undefined ? null : (admission?.beforeLoad?.(entry) ?? null);
    if (early !== null) return errAsync({ kind: 'Refused', refusal: early } as RefusalOf<E>);
    return this.actor(sessionId).andThen((actor): Result<SessionActor, PoolError | RefusalOf<E>> => {
      if (admission === undefined) return ok(actor);
      const refusal = admission(actor.getSnapshot());
      if (refusal === null) return ok(actor);
      this.rest(actor);
      return err({ kind: 'Refused', refusal } as RefusalOf<E>);
    });
  }

  /** Unloads the actor of a hibernated session that was restored only to be looked at (hibernated sessions are not resident). */
  rest(actor: SessionActor): void {
    if (actor.getSnapshot().value === 'hibernated') void actor.stop();
  }

  /** Stops the session's resident actor (it stays in its stream). */
  unload(sessionId: string): void {
    void this.deps.repository.load(sessionId).map((actor) => actor.stop());
  }

  /**
   * Sends `event` to the session (to `loaded`, its actor as the command loaded it, when given); says whether it was
   * accepted, with the snapshot after. An actor that stopped between loading and sending is loaded again, once.
   */
  dispatch(sessionId: string, event: SessionEvent, loaded?: SessionActor, options?: SendOptions): ResultAsync<Dispatched, PoolError> {
    return new ResultAsync(this.#dispatch(sessionId, event, loaded, false, options));
  }

  async #dispatch(sessionId: string, event: SessionEvent, loaded: SessionActor | undefined, reloaded: boolean, options: SendOptions | undefined): Promise<Result<Dispatched, PoolError>> {
    if (this.deps.closed() && event.type !== SESSION_EVENT.HIBERNATE) return err({ kind: POOL_ERROR_KIND.PoolClosed });
    const sent = await this.#sendTo(sessionId, event, loaded, options);
    if (sent.isOk() || reloaded || this.deps.closed()) return sent;
    const { error } = sent;
    return error.kind === POOL_ERROR_KIND.Runtime && error.error.kind === RUNTIME_ERROR_KIND.ActorStopped ? this.#dispatch(sessionId, event, undefined, true, options) : sent;
  }

  async #sendTo(sessionId: string, event: SessionEvent, loaded: SessionActor | undefined, options: SendOptions | undefined): Promise<Result<Dispatched, PoolError>> {
    let actor = loaded;
    if (actor === undefined) {
      const found = await this.actor(sessionId);
      if (found.isErr()) return err(found.error);
      actor = found.value;
    }
    const outcome = await actor.send(event, options);
    if (outcome.isErr()) return err(runtimeFailure(outcome.error));
    const sent = outcome.value;
    return ok(
      sent.kind === SEND_OUTCOME.committed
        ? { accepted: true, revision: sent.commit.revision, snapshot: sent.commit.snapshot }
        : { accepted: false, revision: sent.revision, snapshot: sent.snapshot },
    );
  }
}
