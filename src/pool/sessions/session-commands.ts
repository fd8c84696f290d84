/**
 * The commands a session takes once it exists: send a message (through the API breaker, the message processors
 * and the idempotency of `sent-messages.ts`), interrupt, join, leave, change a role, hibernate, wake, terminate,
 * and look at it (`current`, `snapshot`, `waitFor`). Each loads the session's actor once (`session-actors.ts`).
 */
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow';
import type { SnapshotFrom } from 'xstate';
import { messageRefusal, pendingApprovalOf, SESSION_EVENT, type ApprovalBehavior, type ApprovalDecidedEvent, type MessageAcceptedEvent, type ParticipantRole, type sessionMachine } from '../../../machines/index.js';
import type { Clock } from '../../runtime/index.js';
import { formatStoreError } from '../../store/index.js';
import { POOL_ERROR_KIND, type PoolError } from '../errors.js';
import type { ExtensionError } from '../extensions/extension-errors.js';
import type { ProcessorChain } from '../extensions/message-processors.js';
import type { PoolNotices } from '../notices.js';
import type { ApiTurnBreaker } from '../resilience/api-breaker.js';
import type { Admission, RefusalOf } from './admission.js';
import type { SentMessages, Accepted } from './sent-messages.js';
import type { SessionActors } from './session-actors.js';
import type { SessionActor, SessionEntry, SessionIndex } from './session-index.js';

/** A message for a session. */
export interface MessageInput {
  readonly userId: string;
  readonly text: string;
  readonly clientMsgId?: string | null;
  /** Idempotency: the same `turnId` is accepted once. Default: a new UUID. */
  readonly turnId?: string;
  /**
   * The request's (or WebSocket frame's) id, stored as the `MessageAccepted`'s `metadata.correlationId` so a log
   * line leads to the event and back. The input is passed as the send's options as it is: no object per message.
   */
  readonly correlationId?: string;
}

/** Who asked, for the stored event's `metadata.correlationId` (see {@link MessageInput.correlationId}). */
export interface CommandOrigin {
  readonly correlationId?: string;
}

/** A message the session accepted: its turn, the revision of its `MessageAccepted`, and whether this was a retry. */
export interface SentMessage {
  readonly turnId: string;
  readonly revision: bigint;
  /** True when the same `clientMsgId` had already been accepted: nothing new was sent. */
  readonly duplicate: boolean;
}

/** How a user joins: `allowExisting` answers `false` (not an error) for one already in; `via: 'share'` joins on their own (consent rules apply). */
export interface JoinOptions {
  readonly allowExisting?: boolean;
  readonly via?: 'share';
}

/** A participant's answer to a pending tool approval. */
export interface ApprovalDecisionInput {
  readonly userId: string;
  readonly behavior: ApprovalBehavior;
  /** Allow with this input instead of the requested one. */
  readonly updatedInput?: Record<string, unknown>;
  /** Why it is denied, for the agent. */
  readonly message?: string;
  /** Allow this tool for the rest of the session. */
  readonly always?: boolean;
}

/** A decided tool approval: what was decided, and the revision of its `ToolApprovalDecided`. */
export interface DecidedApproval {
  readonly requestId: string;
  readonly toolName: string;
  readonly behavior: ApprovalBehavior;
  readonly revision: bigint;
}

/** What the session commands work with. */
export interface SessionCommandsDeps {
  readonly index: SessionIndex;
  readonly actors: SessionActors;
  readonly sent: SentMessages;
  readonly apiBreaker: ApiTurnBreaker;
  readonly processors: ProcessorChain;
  readonly notices: PoolNotices;
  readonly clock: Clock;
}

/** The session commands of one pool (the facade's `send`, `interrupt` … delegate here). */
export class SessionCommands {
  constructor(private readonly deps: SessionCommandsDeps) {}

  /** See `SessionPool.send`. */
  send<E = never>(sessionId: string, message: MessageInput, admission?: Admission<E>): ResultAsync<SentMessage, PoolError | RefusalOf<E>> {
    return new ResultAsync(this.#sendMessage(sessionId, message, admission));
  }

  // The send path is written as `async` functions over `Promise<Result>` rather than `ResultAsync` chains: see
  // `src/runtime/results.ts` for what each `map`/`mapErr` step would cost.
  async #sendMessage<E>(sessionId: string, message: MessageInput, admission: Admission<E> | undefined): Promise<Result<SentMessage, PoolError | RefusalOf<E>>> {
    const entry = this.deps.index.get(sessionId);
    if (entry === undefined) return err({ kind: POOL_ERROR_KIND.SessionNotFound, sessionId });
    const key = { sessionId, userId: message.userId, clientMsgId: message.clientMsgId ?? null, turnId: message.turnId };
    const admitted = await this.deps.actors.admitted(sessionId, admission);
    if (admitted.isErr()) return err(admitted.error);
    const actor = admitted.value;
    const sent = await this.deps.sent.once<PoolError | RefusalOf<E>>(
      key,
      (turnId) => this.#send(entry, actor, message, turnId, key.clientMsgId),
      (error) => ({ kind: POOL_ERROR_KIND.StoreUnreadable, reason: formatStoreError(error) }),
    );
    // A repeated message sends nothing, so it leaves a hibernated session as it was (an accepted one woke it).
    if (sent.isOk()) this.deps.actors.rest(actor);
    return sent;
  }

  async #send(entry: SessionEntry, actor: SessionActor, message: MessageInput, turnId: string, clientMsgId: string | null): Promise<Result<Accepted, PoolError>> {
    // The API breaker admits the message (as its probe when one is due) or refuses it; a probe whose message is not
    // accepted after all gives its slot back.
    const { apiBreaker } = this.deps;
    const probe = await apiBreaker.admit(turnId);
    if (probe.isErr()) return err(probe.error);
    const accepted = await this.#accept(entry, actor, message, turnId, clientMsgId);
    if (accepted.isErr() && probe.value) apiBreaker.refused(turnId);
    return accepted;
  }

  async #accept(entry: SessionEntry, actor: SessionActor, message: MessageInput, turnId: string, clientMsgId: string | null): Promise<Result<Accepted, PoolError>> {
    const { sessionId } = entry;
    const processed = await this.deps.processors.processInbound({ sessionId, tenant: entry.tenant, userId: message.userId, text: message.text, clientMsgId });
    if (processed.isErr()) return err(extensionFailure(processed.error));
    const { text, userId } = processed.value;
    const event: MessageAcceptedEvent = { type: SESSION_EVENT.MESSAGE_ACCEPTED, at: this.deps.clock.now(), turnId, text, userId };
    if (processed.value.clientMsgId !== null) event.clientMsgId = processed.value.clientMsgId;
    const dispatched = await this.deps.actors.dispatch(sessionId, event, actor, message.correlationId === undefined ? undefined : message);
    if (dispatched.isErr()) return err(dispatched.error);
    const { accepted, revision, snapshot } = dispatched.value;
    return accepted ? ok({ turnId, revision }) : err(messageNotTaken(snapshot, message.userId, turnId));
  }

  /** See `SessionPool.interrupt`. */
  interrupt<E = never>(
    sessionId: string,
    userId: string,
    options: { readonly asOperator?: boolean; readonly admission?: Admission<E> } & CommandOrigin = {},
  ): ResultAsync<boolean, PoolError | RefusalOf<E>> {
    const event = { type: SESSION_EVENT.INTERRUPT_REQUESTED, at: this.deps.clock.now(), userId, ...(options.asOperator === true ? { asOperator: true } : {}) };
    return this.deps.actors.admitted(sessionId, options.admission).andThen((actor) =>
      this.deps.actors.dispatch(sessionId, event, actor, options).map(({ accepted }) => {
        this.deps.actors.rest(actor); // nothing to interrupt in a hibernated session: it stays unloaded
        return accepted;
      }),
    );
  }

  /** See `SessionPool.decideApproval`. */
  decideApproval<E = never>(
    sessionId: string,
    requestId: string,
    decision: ApprovalDecisionInput,
    admission?: Admission<E>,
  ): ResultAsync<DecidedApproval, PoolError | RefusalOf<E>> {
    return this.deps.actors.admitted(sessionId, admission).andThen((actor) => {
      const pending = pendingApprovalOf(actor.getSnapshot().context);
      if (pending === null || pending.requestId !== requestId) return errAsync<DecidedApproval, PoolError>({ kind: POOL_ERROR_KIND.ApprovalNotPending, sessionId, requestId });
      const { userId, behavior, updatedInput, message, always } = decision;
      const event: ApprovalDecidedEvent = {
        type: SESSION_EVENT.APPROVAL_DECIDED,
        at: this.deps.clock.now(),
        requestId,
        turnId: pending.turnId,
        toolName: pending.toolName,
        behavior,
        decidedBy: 'human',
        userId,
        ...(behavior === 'allow' && updatedInput !== undefined ? { updatedInput } : {}),
        ...(behavior === 'deny' && message !== undefined ? { message } : {}),
        ...(behavior === 'allow' && always === true ? { always: true } : {}),
      };
      return this.deps.actors.dispatch(sessionId, event, actor).andThen(({ accepted, revision, snapshot }) => {
        if (accepted) return okAsync<DecidedApproval, PoolError>({ requestId, toolName: pending.toolName, behavior, revision });
        // Someone answered first (or the wait ended) between the look and the append; or the caller may no longer write.
        if (pendingApprovalOf(snapshot.context)?.requestId === requestId) {
          return errAsync<DecidedApproval, PoolError>({ kind: POOL_ERROR_KIND.NotParticipant, sessionId, userId, action: 'answer tool approvals' });
        }
        return errAsync<DecidedApproval, PoolError>({ kind: POOL_ERROR_KIND.ApprovalNotPending, sessionId, requestId });
      });
    });
  }

  /** See `SessionPool.join`. */
  join(sessionId: string, userId: string, role: Exclude<ParticipantRole, 'owner'>, options: JoinOptions = {}): ResultAsync<boolean, PoolError> {
    const event = { type: SESSION_EVENT.PARTICIPANT_JOINED, at: this.deps.clock.now(), userId, role, ...(options.via === undefined ? {} : { via: options.via }) };
    return this.deps.actors.dispatch(sessionId, event).andThen(({ accepted, snapshot }) => {
      if (accepted) return okAsync(true);
      if (snapshot.status !== 'active' || snapshot.value === 'failed') return errAsync<boolean, PoolError>({ kind: POOL_ERROR_KIND.SessionClosed, sessionId, state: snapshot.value });
      if (options.allowExisting === true && snapshot.context.participants.some((p) => p.userId === userId)) return okAsync(false);
      return errAsync<boolean, PoolError>({ kind: POOL_ERROR_KIND.InvalidRequest, reason: `${userId} is already a participant of ${sessionId} or cannot join as ${role}` });
    });
  }

  /** See `SessionPool.leave`. */
  leave(sessionId: string, userId: string, options: { readonly removed?: boolean } = {}): ResultAsync<boolean, PoolError> {
    return this.#accepted(sessionId, { type: SESSION_EVENT.PARTICIPANT_LEFT, at: this.deps.clock.now(), userId, ...(options.removed === true ? { removed: true as const } : {}) });
  }

  /** See `SessionPool.changeRole`. */
  changeRole(sessionId: string, userId: string, role: Exclude<ParticipantRole, 'owner'>): ResultAsync<boolean, PoolError> {
    return this.#accepted(sessionId, { type: SESSION_EVENT.ROLE_CHANGED, at: this.deps.clock.now(), userId, role });
  }

  /** See `SessionPool.hibernate`. */
  hibernate(sessionId: string, reason = 'operator'): ResultAsync<boolean, PoolError> {
    return this.#accepted(sessionId, { type: SESSION_EVENT.HIBERNATE, at: this.deps.clock.now(), reason });
  }

  /** See `SessionPool.wake`. */
  wake(sessionId: string, userId?: string): ResultAsync<boolean, PoolError> {
    return this.#accepted(sessionId, { type: SESSION_EVENT.WAKE, at: this.deps.clock.now(), ...(userId === undefined ? {} : { userId }) });
  }

  /** See `SessionPool.terminate`. */
  terminate<E = never>(sessionId: string, reason = 'terminated', admission?: Admission<E>, origin?: CommandOrigin): ResultAsync<boolean, PoolError | RefusalOf<E>> {
    return this.deps.actors.admitted(sessionId, admission).andThen((actor) =>
      this.deps.actors.dispatch(sessionId, { type: SESSION_EVENT.TERMINATE, at: this.deps.clock.now(), reason }, actor, origin).map(({ accepted }) => accepted),
    );
  }

  /** See `SessionPool.current`. */
  current<E = never>(
    sessionId: string,
    admission?: Admission<E>,
  ): ResultAsync<{ readonly snapshot: SnapshotFrom<typeof sessionMachine>; readonly revision: bigint }, PoolError | RefusalOf<E>> {
    return this.deps.actors.admitted(sessionId, admission).map((actor) => {
      const seen = { snapshot: actor.getSnapshot(), revision: actor.revision };
      this.deps.actors.rest(actor);
      return seen;
    });
  }

  /** See `SessionPool.snapshot`. */
  snapshot(sessionId: string): ResultAsync<SnapshotFrom<typeof sessionMachine>, PoolError> {
    return this.deps.actors.actor(sessionId).map((actor) => actor.getSnapshot());
  }

  /** See `SessionPool.waitFor`. */
  waitFor(
    sessionId: string,
    predicate: (snapshot: SnapshotFrom<typeof sessionMachine>) => boolean,
    timeoutMs: number,
  ): ResultAsync<SnapshotFrom<typeof sessionMachine>, PoolError> {
    return this.deps.actors.actor(sessionId).andThen((actor) => {
      const now = actor.getSnapshot();
      if (predicate(now)) return okAsync(now);
      const reached = new Promise<Result<SnapshotFrom<typeof sessionMachine>, PoolError>>((resolve) => {
        const stopListening = this.deps.notices.subscribe((notice) => {
          if (notice.kind !== 'commit' || notice.sessionId !== sessionId || !predicate(notice.commit.snapshot)) return;
          clearTimeout(timer);
          stopListening();
          resolve(ok(notice.commit.snapshot));
        });
        const timer = setTimeout(() => {
          stopListening();
          resolve(err({ kind: POOL_ERROR_KIND.Timeout, waitedFor: `session ${sessionId} reaching the awaited state`, timeoutMs }));
        }, timeoutMs);
      });
      return new ResultAsync(reached);
    });
  }

  /** Sends `event` and answers whether the session accepted it. */
  #accepted(sessionId: string, event: Parameters<SessionActors['dispatch']>[1]): ResultAsync<boolean, PoolError> {
    return this.deps.actors.dispatch(sessionId, event).map(({ accepted }) => accepted);
  }
}

/** An extension's refusal as a pool error. */
export const extensionFailure = (error: ExtensionError): PoolError => ({ kind: POOL_ERROR_KIND.Extension, error });

/**
 * Why the session machine did not take a message, as a pool error. The machine's guard is the last word, not a
 * second decision: with the caller's access decided before, a permission reason shows up here only when the
 * sender's role changed in between (or when an in-process caller passed no admission).
 */
function messageNotTaken(snapshot: SnapshotFrom<typeof sessionMachine>, userId: string, turnId: string): PoolError {
  const sessionId = snapshot.context.sessionId;
  const refusal = messageRefusal(snapshot, userId);
  if (refusal === 'session-closed') return { kind: POOL_ERROR_KIND.SessionClosed, sessionId, state: snapshot.value };
  if (refusal === 'not-a-participant' || refusal === 'read-only') return { kind: POOL_ERROR_KIND.NotParticipant, sessionId, userId, action: 'send messages' };
  return { kind: POOL_ERROR_KIND.MessageRefused, sessionId, reason: refusal ?? `turn ${turnId} is already running or queued` };
}
