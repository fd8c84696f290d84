/**
 * Loading session actors and sending them events, for every session command: a session the index does not know
 * is `SessionNotFound`; a command whose `admission` refuses leaves a hibernated session unloaded, as it found it;
 * an actor that stopped between loading and sending (it was just hibernated and unloaded) is loaded again, once.
 */
import { err, errAsync, ok, okAsync, type Result, type ResultAsync } from 'neverthrow';
import type { SnapshotFrom } from 'xstate';
import { SESSION_EVENT, type SessionEvent, type sessionMachine } from '../../../machines/index.js';
import { isRuntimeErrorOf, RUNTIME_ERROR_KIND, SEND_OUTCOME, type ActorRepository } from '../../runtime/index.js';
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
    return this.deps.repository.load(sessionId).mapErr((error) =>
      isRuntimeErrorOf(RUNTIME_ERROR_KIND.ActorNotFound)(error) ? { kind: POOL_ERROR_KIND.SessionNotFound, sessionId } : runtimeFailure(error),
    );
  }

  /**
   * The session's actor, loaded once for one command, after `admission` let the command run on its snapshot. A
   * refused command leaves a hibernated session unloaded, as it found it.
   */
  admitted<E>(sessionId: string, admission: Admission<E> | undefined): ResultAsync<SessionActor, PoolError | RefusalOf<E>> {
    if (this.deps.closed()) return errAsync({ kind: POOL_ERROR_KIND.PoolClosed });
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
  dispatch(sessionId: string, event: SessionEvent, loaded?: SessionActor, reloaded = false): ResultAsync<Dispatched, PoolError> {
    if (this.deps.closed() && event.type !== SESSION_EVENT.HIBERNATE) return errAsync({ kind: POOL_ERROR_KIND.PoolClosed });
    return (loaded === undefined ? this.actor(sessionId) : okAsync<SessionActor, PoolError>(loaded))
      .andThen((actor) =>
        actor
          .send(event)
          .mapErr(runtimeFailure)
          .map((outcome) =>
            outcome.kind === SEND_OUTCOME.committed
              ? { accepted: true, revision: outcome.commit.revision, snapshot: outcome.commit.snapshot }
              : { accepted: false, revision: outcome.revision, snapshot: outcome.snapshot },
          ),
      )
      .orElse((error) =>
        !reloaded && !this.deps.closed() && error.kind === POOL_ERROR_KIND.Runtime && error.error.kind === RUNTIME_ERROR_KIND.ActorStopped
          ? this.dispatch(sessionId, event, undefined, true)
          : errAsync(error),
      );
  }
}
