/**
 * The session pool: hosts session actors and the pool's own actor and breakers over the event store, supplies
 * them with agent processes (warm when possible), and keeps the whole thing within its limits — `min_size` warm
 * at start, never more live processes than the cap, idle sessions hibernated and woken on demand, dead processes
 * recovered. The REST/WebSocket layer talks to sessions only through this object, a facade over the parts that
 * `wiring.ts` builds and connects.
 *
 * @example
 * const pool = (await SessionPool.open({ store, launcher: createAgentRunner(...), settings: poolSettings(config) }))._unsafeUnwrap();
 * const lease = (await pool.create({ tenant: 'acme', userId: 'ada', options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap();
 * await pool.send(lease.sessionId, { userId: 'ada', text: 'hello' });
 */
import type { Result, ResultAsync } from 'neverthrow';
import type { SnapshotFrom } from 'xstate';
import type { ParticipantRole, SessionStateValue, sessionMachine } from '../../machines/index.js';
import type { PoolError } from './errors.js';
import type { ExtensionError } from './extensions/extension-errors.js';
import type { PoolHandler } from './extensions/handlers.js';
import type { MessageProcessor } from './extensions/message-processors.js';
import type { PoolMaintenance } from './maintenance/maintenance.js';
import type { PoolNotice } from './notices.js';
import type { Admission, RefusalOf } from './sessions/admission.js';
import type { SessionLease, SessionRequest } from './sessions/request.js';
import type { ApprovalDecisionInput, CommandOrigin, DecidedApproval, JoinOptions, MessageInput, SentMessage } from './sessions/session-commands.js';
import { poolStatus, type PoolStatus } from './status.js';
import { openPool, POOL_BREAKERS, type PoolParts, type SessionPoolDeps } from './wiring.js';

export type { PoolLogger } from './logger.js';
export type { PoolNotice } from './notices.js';
export type { ApprovalDecisionInput, CommandOrigin, DecidedApproval, MessageInput, SentMessage } from './sessions/session-commands.js';
export type { PoolStatus } from './status.js';
export { POOL_BREAKERS, type SessionPoolDeps } from './wiring.js';

type SessionSnapshot = SnapshotFrom<typeof sessionMachine>;

/** The session pool. */
export class SessionPool {
  /** The periodic checks (scaling, memory, lifetimes, leaks), each callable by hand. */
  readonly maintenance: PoolMaintenance;

  private constructor(private readonly parts: PoolParts) {
    this.maintenance = parts.maintenance;
  }

  /**
   * Opens the pool: reaps orphans of a previous run, hosts the pool actor and breakers, indexes the stored
   * sessions and recovers those whose process died with the previous run, then prewarms `min_size` processes.
   */
  static open(deps: SessionPoolDeps): ResultAsync<SessionPool, PoolError> {
    return openPool(deps).map((parts) => new SessionPool(parts));
  }

  // ── Sessions ────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Creates a session for `request` (after the pool handlers' `onCreate`), owned by `request.userId`. Its agent
   * is a warm process of the same profile when one waits, otherwise started now; the session answers messages
   * once it is ready (they queue until then). `PoolExhausted` when no process can be had.
   */
  create(request: SessionRequest, options: { readonly sessionId?: string } & CommandOrigin = {}): ResultAsync<SessionLease, PoolError> {
    return this.parts.leases.create(request, options);
  }

  /**
   * A session for `request`, shared when possible: the user's previous session of the same profile (affinity),
   * else one placed among the tenant's open sessions of that profile with room (joining as editor), else a new one.
   */
  acquire(request: SessionRequest): ResultAsync<SessionLease, PoolError> {
    return this.parts.leases.acquire(request);
  }

  /** Gives a lease back: the session's load drops and `onRelease` hooks run. Idempotent. */
  release(lease: SessionLease): Promise<void> {
    return this.parts.leases.release(lease);
  }

  /**
   * Sends a user message: `admission` (the caller's access decision, taken on the loaded actor's snapshot) first,
   * then message processors, then `MESSAGE_ACCEPTED` is appended (durable) and the turn starts, or queues while the
   * agent is busy, starting or hibernated (which wakes it). Refusals are typed. With a `clientMsgId` the send is
   * idempotent (see `sessions/sent-messages.ts`): a retry gets the first acceptance back (`duplicate: true`).
   */
  send<E = never>(sessionId: string, message: MessageInput, admission?: Admission<E>): ResultAsync<SentMessage, PoolError | RefusalOf<E>> {
    return this.parts.commands.send(sessionId, message, admission);
  }

  /**
   * Interrupts the running turn: owners and editors, or anyone the caller vouches for as an operator of the
   * session's tenant (`asOperator`), once `admission` (if any) lets it. False when no turn was running (or the
   * session's rules refuse the user).
   */
  interrupt<E = never>(sessionId: string, userId: string, options: { readonly asOperator?: boolean; readonly admission?: Admission<E> } & CommandOrigin = {}): ResultAsync<boolean, PoolError | RefusalOf<E>> {
    return this.parts.commands.interrupt(sessionId, userId, options);
  }

  /**
   * Answers the pending tool approval `requestId` (an owner or editor, once `admission` lets them): the first answer
   * wins; a request that is not pending (answered, expired, cancelled) is `ApprovalNotPending`.
   */
  decideApproval<E = never>(sessionId: string, requestId: string, decision: ApprovalDecisionInput, admission?: Admission<E>): ResultAsync<DecidedApproval, PoolError | RefusalOf<E>> {
    return this.parts.commands.decideApproval(sessionId, requestId, decision, admission);
  }

  /** Adds `userId` as `role` (invited, or with `via: 'share'` on their own); with `allowExisting` a user already in the session is fine. */
  join(sessionId: string, userId: string, role: Exclude<ParticipantRole, 'owner'>, options: JoinOptions = {}): ResultAsync<boolean, PoolError> {
    return this.parts.commands.join(sessionId, userId, role, options);
  }

  /** Removes a participant (not the owner); with `removed` someone else removed them (they cannot join again by sharing until invited). */
  leave(sessionId: string, userId: string, options: { readonly removed?: boolean } = {}): ResultAsync<boolean, PoolError> {
    return this.parts.commands.leave(sessionId, userId, options);
  }

  /** Changes a participant's role between editor and viewer. */
  changeRole(sessionId: string, userId: string, role: Exclude<ParticipantRole, 'owner'>): ResultAsync<boolean, PoolError> {
    return this.parts.commands.changeRole(sessionId, userId, role);
  }

  /** Stops the session's process now; it resumes on the next message. */
  hibernate(sessionId: string, reason = 'operator'): ResultAsync<boolean, PoolError> {
    return this.parts.commands.hibernate(sessionId, reason);
  }

  /** Resumes a hibernated session's process without a message. */
  wake(sessionId: string, userId?: string): ResultAsync<boolean, PoolError> {
    return this.parts.commands.wake(sessionId, userId);
  }

  /**
   * Ends the session for good (its process stops, or goes back to the warm set if it never took a turn), once
   * `admission` (if any) lets it; `origin.correlationId` goes into the stored event's metadata.
   */
  terminate<E = never>(sessionId: string, reason = 'terminated', admission?: Admission<E>, origin?: CommandOrigin): ResultAsync<boolean, PoolError | RefusalOf<E>> {
    return this.parts.commands.terminate(sessionId, reason, admission, origin);
  }

  /**
   * The session's current snapshot and the revision of its stream it reflects, once `admission` (if any) lets the
   * caller see it. Looking never wakes a session: a hibernated one is restored to be read and unloaded again.
   */
  current<E = never>(sessionId: string, admission?: Admission<E>): ResultAsync<{ readonly snapshot: SessionSnapshot; readonly revision: bigint }, PoolError | RefusalOf<E>> {
    return this.parts.commands.current(sessionId, admission);
  }

  /** The session's current snapshot (restoring a hibernated one from its stream). */
  snapshot(sessionId: string): ResultAsync<SessionSnapshot, PoolError> {
    return this.parts.commands.snapshot(sessionId);
  }

  /** Resolves with the first snapshot for which `predicate` holds (now or after a commit), or fails after `timeoutMs`. */
  waitFor(sessionId: string, predicate: (snapshot: SessionSnapshot) => boolean, timeoutMs: number): ResultAsync<SessionSnapshot, PoolError> {
    return this.parts.commands.waitFor(sessionId, predicate, timeoutMs);
  }

  // ── Listeners and extensions ────────────────────────────────────────────────────────────────────────────────

  /** Listens to session commits and bridge notices; returns an unsubscribe. */
  subscribe(listener: (notice: PoolNotice) => void, kinds?: readonly PoolNotice['kind'][]): () => void {
    return this.parts.notices.subscribe(listener, kinds);
  }

  /** Registers a custom pool handler (`onCreate`/`onAcquire`/`onRelease`), run after those registered before. */
  registerHandler(name: string, handler: PoolHandler): Result<void, ExtensionError> {
    return this.parts.handlers.register(name, handler);
  }

  /** Removes a pool handler. */
  unregisterHandler(name: string): boolean {
    return this.parts.handlers.unregister(name);
  }

  /** Adds a message processor at the end of the chain. */
  useProcessor(processor: MessageProcessor): Result<void, ExtensionError> {
    return this.parts.processors.use(processor);
  }

  /** Removes a message processor. */
  removeProcessor(name: string): boolean {
    return this.parts.processors.remove(name);
  }

  // ── The pool as a whole ─────────────────────────────────────────────────────────────────────────────────────

  /** Session ids the pool knows (not terminated). */
  sessionIds(): string[] {
    return [...this.parts.index.values()].map((entry) => entry.sessionId);
  }

  /** Pids of the agent processes the pool owns right now. */
  ownedPids(): number[] {
    return [...this.parts.supply.live].map((handle) => handle.pid);
  }

  /** The pool's status. */
  status(): PoolStatus {
    const { settings, slots, warm, index, host, poolActor, memory, breakers } = this.parts;
    return poolStatus({
      name: settings.name,
      slots,
      warm,
      index,
      resident: () => host.live(),
      poolContext: () => poolActor.getSnapshot().context,
      memory,
      breakers: () => ({ [POOL_BREAKERS.spawn]: breakers.spawn.state, [POOL_BREAKERS.api]: breakers.api.state }),
    });
  }

  /**
   * Shuts the pool down: refuses new work, hibernates every session that has or is getting a process (reason
   * `shutdown`; a busy one's running and queued turns are stored as `TurnAborted` with that reason), so the next
   * start finds them hibernated, recovers nothing and resumes each conversation on its next message; then stops
   * every process it started and the actors.
   */
  async close(): Promise<void> {
    const { life, index, commands, supply, host, logger } = this.parts;
    if (life.closed) return;
    life.closed = true;
    this.maintenance.stop();
    const live = [...index.values()].filter((entry) => !RESTING_STATES.includes(entry.state));
    const hibernated = await Promise.all(live.map((entry) => commands.hibernate(entry.sessionId, 'shutdown')));
    const count = hibernated.filter((result) => result.isOk() && result.value).length;
    logger.info({ hibernated: count }, 'pool: hibernated sessions at shutdown');
    await supply.close();
    await host.close();
  }
}

/** States with no process to stop at shutdown. */
const RESTING_STATES: readonly SessionStateValue[] = ['hibernated', 'failed', 'terminated'];
