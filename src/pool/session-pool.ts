/**
 * The session pool: hosts session actors and the pool's own actor and breakers over the event store, supplies
 * them with agent processes (warm when possible), and keeps the whole thing within its limits — `min_size` warm
 * at start, never more live processes than the cap, idle sessions hibernated and woken on demand, dead processes
 * recovered. The REST/WebSocket layer talks to sessions only through this object.
 *
 * @example
 * const pool = (await SessionPool.open({ store, launcher: createAgentRunner(...), settings: poolSettings(config) }))._unsafeUnwrap();
 * const lease = (await pool.create({ tenant: 'acme', userId: 'ada', options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap();
 * await pool.send(lease.sessionId, { userId: 'ada', text: 'hello' });
 */
import { randomUUID } from 'node:crypto';
import { totalmem } from 'node:os';
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow';
import {
  messageRefusal,
  POOL_EVENT,
  type poolMachine,
  samePoolOptions,
  SESSION_EVENT,
  SESSION_OUTCOME_NAME,
  type TurnAbortedData,
  type ParticipantRole,
  type PoolEvent,
  type SessionEvent,
  type SessionStateValue,
  type sessionMachine,
} from '../../machines/index.js';
import {
  BREAKER_ACTOR,
  createActorHost,
  isRuntimeErrorOf,
  POOL_ACTOR,
  RUNTIME_ERROR_KIND,
  SEND_OUTCOME,
  SESSION_ACTOR,
  STREAM_PREFIX,
  systemClock,
  type ActorHost,
  type ActorRepository,
  type Clock,
  type Commit,
  type HostFault,
  type HostObserver,
  type PersistedActor,
  type RuntimeError,
} from '../runtime/index.js';
import { formatStoreError, type EventStore, type StoreError } from '../store/index.js';
import type { SnapshotFrom } from 'xstate';
import type { AgentLauncher } from './processes/agent-port.js';
import { createSessionEffects, type BridgeNotice } from './processes/agent-bridge.js';
import { ApiTurnBreaker } from './resilience/api-breaker.js';
import { BreakerGuard } from './resilience/breaker-guard.js';
import { POOL_ERROR_KIND, runtimeFailure, type PoolError } from './errors.js';
import type { ExtensionError } from './extensions/extension-errors.js';
import { createHandlerRegistry, type HandlerRegistry, type PoolHandler } from './extensions/handlers.js';
import { deriveMemoryBudget, liveProcessCap, RssEstimator } from './maintenance/memory.js';
import { createProcessorChain, type MessageProcessor, type ProcessorChain } from './extensions/message-processors.js';
import type { PoolSettings } from './options.js';
import { createPlacement, type Placement } from './sessions/placement.js';
import { ProcessSlots } from './processes/process-slots.js';
import { ProcessSupply } from './processes/process-supply.js';
import { Capacity } from './processes/capacity.js';
import { ProfileDemand } from './processes/demand.js';
import { SentMessages, type Accepted } from './sessions/sent-messages.js';
import type { Admission, RefusalOf } from './sessions/admission.js';
import { profileKey } from './processes/profile.js';
import { sessionRequestProblem, type SessionLease, type SessionRequest } from './sessions/request.js';
import { createRetryPolicy } from './resilience/retry-policy.js';
import { readStoredSessions, type StoredSession } from './sessions/session-catalog.js';
import { SessionIndex, type SessionActor, type SessionEntry } from './sessions/session-index.js';
import { WarmSet } from './processes/warm-set.js';
import { PoolMaintenance, type MaintenanceHooks, type MaintenanceProbes } from './maintenance/maintenance.js';
import { recoverAfterRestart, recoveryReport, recoveryTransition, type RecoveryHooks } from './resilience/recovery.js';

/** Names of the breakers the pool keeps. */
export const POOL_BREAKERS = { spawn: 'agent-spawn', api: 'anthropic-api' } as const;

/** What a pool listener hears: each session commit, and the bridge's notices. */
export type PoolNotice =
  | { readonly kind: 'commit'; readonly sessionId: string; readonly commit: Commit<typeof sessionMachine> }
  | BridgeNotice;

/** A minimal logger (pino fits). */
export interface PoolLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** What the pool is built from. */
export interface SessionPoolDeps {
  readonly store: EventStore;
  readonly launcher: AgentLauncher;
  readonly settings: PoolSettings;
  readonly clock?: Clock;
  /** More host observers (the inspector hook). */
  readonly observers?: readonly HostObserver[];
  readonly logger?: PoolLogger;
  /** System memory, for a `memory_budget` of 0 (default `os.totalmem()`). */
  readonly totalMemoryBytes?: number;
  readonly snapshotEvery?: number;
  /** Run the periodic checks (scaling, memory, lifetime, leaks); tests may drive `maintenance` by hand instead. */
  readonly autoMaintenance?: boolean;
  /** How maintenance looks at the OS (overridable for tests and in-process agents). */
  readonly probes?: Partial<MaintenanceProbes>;
  /**
   * The sessions a previous run left, for the index at start (the server gives the `pool-sessions` projection's,
   * restored from its checkpoint); default: read every session stream (`readStoredSessions`).
   */
  readonly storedSessions?: () => ResultAsync<readonly StoredSession[], StoreError>;
}

/** A message for a session. */
export interface MessageInput {
  readonly userId: string;
  readonly text: string;
  readonly clientMsgId?: string | null;
  /** Idempotency: the same `turnId` is accepted once. Default: a new UUID. */
  readonly turnId?: string;
}

/** A message the session accepted: its turn, the revision of its `MessageAccepted`, and whether this was a retry. */
export interface SentMessage {
  readonly turnId: string;
  readonly revision: bigint;
  /** True when the same `clientMsgId` had already been accepted: nothing new was sent. */
  readonly duplicate: boolean;
}

/** The pool's status, for the status endpoint and metrics. */
export interface PoolStatus {
  readonly name: string;
  readonly target: number;
  readonly cap: number;
  readonly processes: { readonly live: number; readonly warm: number; readonly inUse: number; readonly starting: number };
  readonly sessions: { readonly total: number; readonly resident: number; readonly hibernated: number; readonly byState: Partial<Record<SessionStateValue, number>> };
  readonly utilisation: number;
  readonly memory: { readonly budgetBytes: number; readonly perProcessBytes: number; readonly measuredBytes: number };
  readonly breakers: Readonly<Record<string, string>>;
  readonly counts: Readonly<Record<string, number>>;
}

const noopLogger: PoolLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The session pool. */
export class SessionPool {
  readonly #listeners = new Set<(notice: PoolNotice) => void>();
  readonly #affinity = new Map<string, string>();
  readonly #leases = new Map<string, SessionLease>();
  readonly #demand = new ProfileDemand();
  #sent!: SentMessages;
  #closed = false;
  readonly maintenance: PoolMaintenance;
  private readonly capacity: Capacity;

  private constructor(
    private readonly deps: SessionPoolDeps,
    private readonly host: ActorHost,
    private readonly sessions: ActorRepository<typeof sessionMachine>,
    private readonly poolActor: PersistedActor<typeof poolMachine>,
    private readonly breakers: { readonly spawn: BreakerGuard; readonly api: ApiTurnBreaker },
    private readonly index: SessionIndex,
    private readonly warm: WarmSet,
    private readonly slots: ProcessSlots,
    private readonly supply: ProcessSupply,
    private readonly handlers: HandlerRegistry,
    private readonly processors: ProcessorChain,
    private readonly placement: Placement,
    private readonly memory: { readonly budgetBytes: number; readonly estimator: RssEstimator; measuredBytes: number },
    private readonly clock: Clock,
    private readonly logger: PoolLogger,
  ) {
    this.maintenance = new PoolMaintenance(this.#maintenanceHooks(), deps.settings, deps.probes);
    this.capacity = new Capacity({
      supply,
      warm,
      index,
      demand: this.#demand,
      target: () => poolActor.getSnapshot().context.target,
      now: () => clock.now(),
      closed: () => this.#closed,
      evictionCandidates: (count) => this.maintenance.evictionCandidates(count),
      hibernate: (sessionId, reason) => this.hibernate(sessionId, reason),
      record: (event) => this.recordPool(event),
      logger,
    });
    this.#sent = new SentMessages(deps.store);
  }

  /**
   * Opens the pool: reaps orphans of a previous run, hosts the pool actor and breakers, indexes the stored
   * sessions and recovers those whose process died with the previous run, then prewarms `min_size` processes.
   */
  static open(deps: SessionPoolDeps): ResultAsync<SessionPool, PoolError> {
    const clock = deps.clock ?? systemClock;
    const logger = deps.logger ?? noopLogger;
    const { settings } = deps;
    const index = new SessionIndex();
    const warm = new WarmSet();
    const handlers = createHandlerRegistry({ now: () => clock.now() });
    const processors = createProcessorChain({ now: () => clock.now() });
    const budgetBytes = deriveMemoryBudget(settings.memoryBudgetBytes, deps.totalMemoryBytes ?? totalmem());
    const estimator = new RssEstimator(settings.processMemoryEstimateBytes);
    const memory = { budgetBytes, estimator, measuredBytes: 0 };
    const cap = liveProcessCap({ maxSize: settings.scaling.maxSize, maxProcesses: settings.maxProcesses, budgetBytes, perProcessBytes: estimator.estimate() });
    let pool: SessionPool | undefined;
    const slots = new ProcessSlots(cap, (waiting) => pool?.capacity.makeRoom(waiting) ?? false);
    const report = (error: RuntimeError): void => logger.warn({ error }, 'pool: could not record an event');
    let onCommit: (commit: Commit) => void = () => undefined;
    const host = createActorHost({
      store: deps.store,
      clock,
      ...(deps.snapshotEvery === undefined ? {} : { snapshotEvery: deps.snapshotEvery }),
      observers: [{ committed: (commit) => onCommit(commit) }, ...(deps.observers ?? [])],
      onFault: (fault: HostFault) => logger.warn({ fault: { ...fault, error: String((fault as { error?: unknown }).error ?? '') } }, 'pool: actor host fault'),
    });
    const breakers = host.actors(BREAKER_ACTOR, {});
    const breaker = (name: string): ResultAsync<BreakerGuard, PoolError> =>
      loadOrCreate(breakers.load(name), () => breakers.create({ name, ...settings.breaker }))
        .map((actor) => new BreakerGuard(actor, clock, report))
        // The configuration in force at start wins over the options stored by an earlier run.
        .andThen((guard) => guard.reconfigure(settings.breaker).map(() => guard))
        // A breaker stored half-open with probes in flight lost them with the previous run.
        .andThen((guard) => guard.abandonLostProbes().map(() => guard))
        .mapErr(runtimeFailure);

    const opened = deps.launcher
      .reapOrphans()
      .map((reaped) => {
        if (reaped.killed.length > 0) logger.warn({ pids: reaped.killed }, 'pool: killed agent processes left by a previous run');
      })
      .orElse((error) => {
        logger.warn({ error }, 'pool: could not reap orphans');
        return okAsync(undefined);
      })
      .andThen(() => ResultAsync.combine([breaker(POOL_BREAKERS.spawn), breaker(POOL_BREAKERS.api)] as const))
      .andThen(([spawn, apiGuard]) => {
        const api = new ApiTurnBreaker(apiGuard);
        const retry = createRetryPolicy({ classes: settings.retry.classes, budget: settings.retry.budget });
        const supply = new ProcessSupply({
          launcher: deps.launcher,
          slots,
          warm,
          spawnBreaker: spawn,
          retry,
          clock,
          slotWaitMs: settings.limits.startTimeoutMs,
          partialMessages: settings.partialMessages,
          onExit: () => pool?.capacity.reconcile(),
          onRetry: (info) => logger.warn({ attempt: info.attempt, errorClass: info.errorClass, delayMs: info.delayMs, error: info.error }, 'pool: retrying an agent start'),
        });
        const sessionsRepo: ActorRepository<typeof sessionMachine> = host.actors(SESSION_ACTOR, createSessionEffects({
          index,
          supply,
          processors,
          apiBreaker: api,
          clock,
          actorOf: (sessionId): ResultAsync<SessionActor, RuntimeError> => sessionsRepo.load(sessionId),
          offerWarm: (process, tenant, options) => pool?.capacity.offerWarm(process.handle, tenant, options, process.startedAt) ?? false,
          notify: (notice) => pool?.notify(notice),
          report,
        }));
        const pools = host.actors(POOL_ACTOR, { adjustWarm: () => pool?.capacity.reconcile() });
        const poolInput = { name: settings.name, at: clock.now(), options: settings.scaling };
        return loadOrCreate(pools.load(settings.name), () => pools.create(poolInput)).mapErr(runtimeFailure).map((poolActor) => {
          pool = new SessionPool(
            deps, host, sessionsRepo, poolActor, { spawn, api }, index, warm, slots, supply, handlers, processors,
            createPlacement(settings.placement), memory, clock, logger,
          );
          onCommit = (commit) => pool?.onCommit(commit);
          return pool;
        });
      })
    return opened.andThen((opened) => opened.start().map(() => opened));
  }

  /** Indexes stored sessions, recovers the ones that had a process, reconfigures the pool actor, prewarms. */
  private start(): ResultAsync<void, PoolError> {
    return (this.deps.storedSessions ?? (() => readStoredSessions(this.deps.store)))()
      .mapErr((error): PoolError => ({ kind: POOL_ERROR_KIND.StoreUnreadable, reason: `cannot read the stored sessions: ${formatStoreError(error)}` }))
      .andThen((stored) => {
        for (const { input, state, lastEventAt } of stored) {
          this.index.add({
            sessionId: input.sessionId,
            tenant: input.tenant,
            owner: input.owner,
            profile: profileKey(input.tenant, input.options),
            state,
            lastActiveAt: lastEventAt,
            leases: 0,
            agent: null,
          });
        }
        // The configuration in force wins: any difference from the stored options is recorded as PoolReconfigured.
        const changed = !samePoolOptions(this.poolActor.getSnapshot().context.options, this.deps.settings.scaling);
        const reconfigured = changed
          ? this.poolActor.send({ type: POOL_EVENT.RECONFIGURED, at: this.clock.now(), options: this.deps.settings.scaling }).map(() => undefined)
          : okAsync(undefined);
        return reconfigured.mapErr(runtimeFailure).andThen(() => ResultAsync.fromSafePromise(recoverAfterRestart(this.#recoveryHooks(), stored)));
      })
      .map((recovered) => {
        if (recovered.length > 0) this.logger.info({ sessions: recovered.length }, 'pool: recovering sessions whose process died with the previous run');
        this.capacity.reconcile();
        if (this.deps.autoMaintenance !== false) this.maintenance.start();
      });
  }

  // ── Sessions ────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Creates a session for `request` (after the pool handlers' `onCreate`), owned by `request.userId`. Its agent
   * is a warm process of the same profile when one waits, otherwise started now; the session answers messages
   * once it is ready (they queue until then). `PoolExhausted` when no process can be had.
   */
  create(request: SessionRequest, options: { readonly sessionId?: string } = {}): ResultAsync<SessionLease, PoolError> {
    if (this.#closed) return errAsync({ kind: POOL_ERROR_KIND.PoolClosed });
    const problem = sessionRequestProblem(request);
    if (problem !== null) return errAsync({ kind: POOL_ERROR_KIND.InvalidRequest, reason: problem });
    return this.handlers
      .runCreate(request)
      .mapErr(extensionFailure)
      .andThen((accepted) => {
        const profile = profileKey(accepted.tenant, accepted.options);
        this.#demand.record(accepted.tenant, accepted.options, this.clock.now());
        const warm = this.warm.has(profile);
        if (!warm && this.slots.free === 0 && !this.capacity.canMakeRoom()) {
          return errAsync<SessionLease, PoolError>({ kind: POOL_ERROR_KIND.PoolExhausted, live: this.slots.used, cap: this.slots.cap });
        }
        const sessionId = options.sessionId ?? randomUUID();
        const at = this.clock.now();
        const entry: SessionEntry = { sessionId, tenant: accepted.tenant, owner: accepted.userId, profile, state: 'provisioning', lastActiveAt: at, leases: 0, agent: null };
        if (this.index.get(sessionId) !== undefined) return errAsync<SessionLease, PoolError>({ kind: POOL_ERROR_KIND.InvalidRequest, reason: `session ${sessionId} exists` });
        this.index.add(entry);
        const input = {
          sessionId,
          tenant: accepted.tenant,
          owner: accepted.userId,
          at,
          options: accepted.options,
          limits: { ...this.deps.settings.limits, ...accepted.limits },
        };
        return this.sessions
          .create(input)
          .mapErr((error) => {
            if (this.index.get(sessionId) === entry) this.index.delete(sessionId);
            return runtimeFailure(error);
          })
          .map(() => {
            this.capacity.reconcile();
            return this.lease(entry, accepted, warm ? 'warm' : 'cold');
          });
      });
  }

  /**
   * A session for `request`, shared when possible: the user's previous session of the same profile (affinity),
   * else one placed among the tenant's open sessions of that profile with room (joining as editor), else a new one.
   */
  acquire(request: SessionRequest): ResultAsync<SessionLease, PoolError> {
    if (this.#closed) return errAsync({ kind: POOL_ERROR_KIND.PoolClosed });
    const problem = sessionRequestProblem(request);
    if (problem !== null) return errAsync({ kind: POOL_ERROR_KIND.InvalidRequest, reason: problem });
    const profile = profileKey(request.tenant, request.options);
    const affinityKey = `${request.tenant}\u0000${request.userId}\u0000${profile}`;
    const remembered = this.deps.settings.affinity ? this.index.get(this.#affinity.get(affinityKey) ?? '') : undefined;
    const open = (entry: SessionEntry): boolean => entry.tenant === request.tenant && entry.profile === profile && entry.state !== 'failed';
    const target =
      remembered !== undefined && open(remembered)
        ? remembered
        : this.index.get(
            this.placement.choose(
              [...this.index.values()].filter(open).map((entry) => ({ id: entry.sessionId, load: entry.leases, capacity: this.deps.settings.maxParticipants })),
            )?.id ?? '',
          );
    if (target === undefined) {
      return this.create(request).map((lease) => {
        this.#affinity.set(affinityKey, lease.sessionId);
        return lease;
      });
    }
    return this.join(target.sessionId, request.userId, 'editor', { allowExisting: true }).map(() => {
      this.#affinity.set(affinityKey, target.sessionId);
      return this.lease(target, request, 'existing');
    });
  }

  /** Gives a lease back: the session's load drops and `onRelease` hooks run. Idempotent. */
  async release(lease: SessionLease): Promise<void> {
    const key = leaseKey(lease);
    if (!this.#leases.delete(key)) return;
    const entry = this.index.get(lease.sessionId);
    if (entry !== undefined) entry.leases = Math.max(0, entry.leases - 1);
    const faults = await this.handlers.runRelease(lease);
    for (const fault of faults) this.logger.warn({ fault }, 'pool: a handler failed in onRelease');
  }

  /**
   * Sends a user message: `admission` (the caller's access decision, taken on the loaded actor's snapshot) first,
   * then message processors, then `MESSAGE_ACCEPTED` is appended (durable) and the turn starts, or queues while the
   * agent is busy, starting or hibernated (which wakes it). Refusals are typed. With a `clientMsgId` the send is
   * idempotent (see `sent-messages.ts`): a retry gets the first acceptance back (`duplicate: true`).
   */
  send<E = never>(sessionId: string, message: MessageInput, admission?: Admission<E>): ResultAsync<SentMessage, PoolError | RefusalOf<E>> {
    const entry = this.index.get(sessionId);
    if (entry === undefined) return errAsync({ kind: POOL_ERROR_KIND.SessionNotFound, sessionId });
    const key = { sessionId, userId: message.userId, clientMsgId: message.clientMsgId ?? null, turnId: message.turnId };
    return this.#admitted(sessionId, admission).andThen((actor) =>
      this.#sent
        .once<PoolError | RefusalOf<E>>(
          key,
          (turnId) => this.#send(entry, actor, message, turnId, key.clientMsgId),
          (error) => ({ kind: POOL_ERROR_KIND.StoreUnreadable, reason: formatStoreError(error) }),
        )
        .map((sent) => {
          // A repeated message sends nothing, so it leaves a hibernated session as it was (an accepted one woke it).
          this.#rest(actor);
          return sent;
        }),
    );
  }

  #send(entry: SessionEntry, actor: SessionActor, message: MessageInput, turnId: string, clientMsgId: string | null): ResultAsync<Accepted, PoolError> {
    // The API breaker admits the message (as its probe when one is due) or refuses it; a probe whose message is not
    // accepted after all gives its slot back.
    return this.breakers.api.admit(turnId).andThen((probe) =>
      this.#accept(entry, actor, message, turnId, clientMsgId).mapErr((error) => {
        if (probe) this.breakers.api.refused(turnId);
        return error;
      }),
    );
  }

  #accept(entry: SessionEntry, actor: SessionActor, message: MessageInput, turnId: string, clientMsgId: string | null): ResultAsync<Accepted, PoolError> {
    const { sessionId } = entry;
    return this.processors
      .processInbound({ sessionId, tenant: entry.tenant, userId: message.userId, text: message.text, clientMsgId })
      .mapErr(extensionFailure)
      .andThen((processed) =>
        this.dispatch(
          sessionId,
          {
            type: SESSION_EVENT.MESSAGE_ACCEPTED,
            at: this.clock.now(),
            turnId,
            text: processed.text,
            userId: processed.userId,
            ...(processed.clientMsgId === null ? {} : { clientMsgId: processed.clientMsgId }),
          },
          actor,
        ).andThen(({ accepted, revision, snapshot }) => (accepted ? okAsync({ turnId, revision }) : errAsync(messageNotTaken(snapshot, message.userId, turnId)))),
      );
  }

  /**
   * Interrupts the running turn: owners and editors, or anyone the caller vouches for as an operator of the
   * session's tenant (`asOperator`), once `admission` (if any) lets it. False when no turn was running (or the
   * session's rules refuse the user).
   */
  interrupt<E = never>(
    sessionId: string,
    userId: string,
    options: { readonly asOperator?: boolean; readonly admission?: Admission<E> } = {},
  ): ResultAsync<boolean, PoolError | RefusalOf<E>> {
    const event = { type: SESSION_EVENT.INTERRUPT_REQUESTED, at: this.clock.now(), userId, ...(options.asOperator === true ? { asOperator: true } : {}) };
    return this.#admitted(sessionId, options.admission).andThen((actor) =>
      this.dispatch(sessionId, event, actor).map(({ accepted }) => {
        this.#rest(actor); // nothing to interrupt in a hibernated session: it stays unloaded
        return accepted;
      }),
    );
  }

  /** Adds `userId` as `role`; with `allowExisting` a user already in the session is fine. */
  join(sessionId: string, userId: string, role: Exclude<ParticipantRole, 'owner'>, options: { readonly allowExisting?: boolean } = {}): ResultAsync<boolean, PoolError> {
    return this.dispatch(sessionId, { type: SESSION_EVENT.PARTICIPANT_JOINED, at: this.clock.now(), userId, role }).andThen(({ accepted, snapshot }) => {
      if (accepted) return okAsync(true);
      if (snapshot.status !== 'active' || snapshot.value === 'failed') return errAsync<boolean, PoolError>({ kind: POOL_ERROR_KIND.SessionClosed, sessionId, state: snapshot.value });
      if (options.allowExisting === true && snapshot.context.participants.some((p) => p.userId === userId)) return okAsync(false);
      return errAsync<boolean, PoolError>({ kind: POOL_ERROR_KIND.InvalidRequest, reason: `${userId} is already a participant of ${sessionId} or cannot join as ${role}` });
    });
  }

  /** Removes a participant (not the owner). */
  leave(sessionId: string, userId: string): ResultAsync<boolean, PoolError> {
    return this.dispatch(sessionId, { type: SESSION_EVENT.PARTICIPANT_LEFT, at: this.clock.now(), userId }).map(({ accepted }) => accepted);
  }

  /** Changes a participant's role between editor and viewer. */
  changeRole(sessionId: string, userId: string, role: Exclude<ParticipantRole, 'owner'>): ResultAsync<boolean, PoolError> {
    return this.dispatch(sessionId, { type: SESSION_EVENT.ROLE_CHANGED, at: this.clock.now(), userId, role }).map(({ accepted }) => accepted);
  }

  /** Stops the session's process now; it resumes on the next message. */
  hibernate(sessionId: string, reason = 'operator'): ResultAsync<boolean, PoolError> {
    return this.dispatch(sessionId, { type: SESSION_EVENT.HIBERNATE, at: this.clock.now(), reason }).map(({ accepted }) => accepted);
  }

  /** Resumes a hibernated session's process without a message. */
  wake(sessionId: string, userId?: string): ResultAsync<boolean, PoolError> {
    return this.dispatch(sessionId, { type: SESSION_EVENT.WAKE, at: this.clock.now(), ...(userId === undefined ? {} : { userId }) }).map(({ accepted }) => accepted);
  }

  /** Ends the session for good (its process stops, or goes back to the warm set if it never took a turn), once `admission` (if any) lets it. */
  terminate<E = never>(sessionId: string, reason = 'terminated', admission?: Admission<E>): ResultAsync<boolean, PoolError | RefusalOf<E>> {
    return this.#admitted(sessionId, admission).andThen((actor) =>
      this.dispatch(sessionId, { type: SESSION_EVENT.TERMINATE, at: this.clock.now(), reason }, actor).map(({ accepted }) => accepted),
    );
  }

  /**
   * The session's current snapshot and the revision of its stream it reflects, once `admission` (if any) lets the
   * caller see it. Looking never wakes a session: a hibernated one is restored to be read and unloaded again.
   */
  current<E = never>(
    sessionId: string,
    admission?: Admission<E>,
  ): ResultAsync<{ readonly snapshot: SnapshotFrom<typeof sessionMachine>; readonly revision: bigint }, PoolError | RefusalOf<E>> {
    return this.#admitted(sessionId, admission).map((actor) => {
      const seen = { snapshot: actor.getSnapshot(), revision: actor.revision };
      this.#rest(actor);
      return seen;
    });
  }

  /** The session's current snapshot (restoring a hibernated one from its stream). */
  snapshot(sessionId: string): ResultAsync<SnapshotFrom<typeof sessionMachine>, PoolError> {
    return this.actor(sessionId).map((actor) => actor.getSnapshot());
  }

  /** Resolves with the first snapshot for which `predicate` holds (now or after a commit), or fails after `timeoutMs`. */
  waitFor(
    sessionId: string,
    predicate: (snapshot: SnapshotFrom<typeof sessionMachine>) => boolean,
    timeoutMs: number,
  ): ResultAsync<SnapshotFrom<typeof sessionMachine>, PoolError> {
    return this.actor(sessionId).andThen((actor) => {
      const now = actor.getSnapshot();
      if (predicate(now)) return okAsync(now);
      const reached = new Promise<Result<SnapshotFrom<typeof sessionMachine>, PoolError>>((resolve) => {
        const stopListening = this.subscribe((notice) => {
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

  /** Listens to session commits and bridge notices; returns an unsubscribe. */
  subscribe(listener: (notice: PoolNotice) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Registers a custom pool handler (`onCreate`/`onAcquire`/`onRelease`), run after those registered before. */
  registerHandler(name: string, handler: PoolHandler): Result<void, ExtensionError> {
    return this.handlers.register(name, handler);
  }

  /** Removes a pool handler. */
  unregisterHandler(name: string): boolean {
    return this.handlers.unregister(name);
  }

  /** Adds a message processor at the end of the chain. */
  useProcessor(processor: MessageProcessor): Result<void, ExtensionError> {
    return this.processors.use(processor);
  }

  /** Removes a message processor. */
  removeProcessor(name: string): boolean {
    return this.processors.remove(name);
  }

  /** Session ids the pool knows (not terminated). */
  sessionIds(): string[] {
    return [...this.index.values()].map((entry) => entry.sessionId);
  }

  /** Pids of the agent processes the pool owns right now. */
  ownedPids(): number[] {
    return [...this.supply.live].map((handle) => handle.pid);
  }

  /** The pool's status. */
  status(): PoolStatus {
    const live = this.slots.used;
    const warm = this.warm.size;
    const inUse = [...this.index.values()].filter((entry) => entry.agent !== null).length;
    const host = new Set(this.host.live());
    let resident = 0;
    for (const entry of this.index.values()) if (host.has(`${STREAM_PREFIX.session}${entry.sessionId}`)) resident += 1;
    const context = this.poolActor.getSnapshot().context;
    return {
      name: this.deps.settings.name,
      target: context.target,
      cap: this.slots.cap,
      processes: { live, warm, inUse, starting: Math.max(0, live - warm - inUse) },
      sessions: { total: this.index.size, resident, hibernated: this.index.countByState().hibernated ?? 0, byState: this.index.countByState() },
      utilisation: live === 0 ? 0 : inUse / live,
      memory: { budgetBytes: this.memory.budgetBytes, perProcessBytes: this.memory.estimator.estimate(), measuredBytes: this.memory.measuredBytes },
      breakers: { [POOL_BREAKERS.spawn]: this.breakers.spawn.state, [POOL_BREAKERS.api]: this.breakers.api.state },
      counts: { ...context.counts },
    };
  }

  /**
   * Shuts the pool down: refuses new work, hibernates every session that has or is getting a process (reason
   * `shutdown`; a busy one's running and queued turns are stored as `TurnAborted` with that reason), so the next
   * start finds them hibernated, recovers nothing and resumes each conversation on its next message; then stops
   * every process it started and the actors.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.maintenance.stop();
    const live = [...this.index.values()].filter((entry) => !RESTING_STATES.includes(entry.state));
    const hibernated = await Promise.all(live.map((entry) => this.hibernate(entry.sessionId, 'shutdown')));
    const count = hibernated.filter((result) => result.isOk() && result.value).length;
    this.logger.info({ hibernated: count }, 'pool: hibernated sessions at shutdown');
    await this.supply.close();
    await this.host.close();
  }

  // ── Internals (used by the bridge, maintenance and recovery) ─────────────────────────────────────────────────

  /**
   * The session's actor, loaded once for one command, after `admission` let the command run on its snapshot. A
   * refused command leaves a hibernated session unloaded, as it found it.
   */
  #admitted<E>(sessionId: string, admission: Admission<E> | undefined): ResultAsync<SessionActor, PoolError | RefusalOf<E>> {
    if (this.#closed) return errAsync({ kind: POOL_ERROR_KIND.PoolClosed });
    return this.actor(sessionId).andThen((actor): Result<SessionActor, PoolError | RefusalOf<E>> => {
      if (admission === undefined) return ok(actor);
      const refusal = admission(actor.getSnapshot());
      if (refusal === null) return ok(actor);
      this.#rest(actor);
      return err({ kind: 'Refused', refusal } as RefusalOf<E>);
    });
  }

  /** Unloads the actor of a hibernated session that was restored only to be looked at (hibernated sessions are not resident). */
  #rest(actor: SessionActor): void {
    if (actor.getSnapshot().value === 'hibernated') void actor.stop();
  }

  private actor(sessionId: string): ResultAsync<SessionActor, PoolError> {
    if (this.index.get(sessionId) === undefined) return errAsync({ kind: POOL_ERROR_KIND.SessionNotFound, sessionId });
    return this.sessions.load(sessionId).mapErr((error) =>
      isRuntimeErrorOf(RUNTIME_ERROR_KIND.ActorNotFound)(error) ? { kind: POOL_ERROR_KIND.SessionNotFound, sessionId } : runtimeFailure(error),
    );
  }

  /**
   * Sends `event` to the session (to `loaded`, its actor as the command loaded it, when given); says whether it was
   * accepted, with the snapshot after. An actor that stopped between loading and sending (it was just hibernated
   * and unloaded) is loaded again from its stream, once.
   */
  private dispatch(
    sessionId: string,
    event: SessionEvent,
    loaded?: SessionActor,
    reloaded = false,
  ): ResultAsync<{ readonly accepted: boolean; readonly revision: bigint; readonly snapshot: SnapshotFrom<typeof sessionMachine> }, PoolError> {
    if (this.#closed && event.type !== SESSION_EVENT.HIBERNATE) return errAsync({ kind: POOL_ERROR_KIND.PoolClosed });
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
        !reloaded && !this.#closed && error.kind === POOL_ERROR_KIND.Runtime && error.error.kind === RUNTIME_ERROR_KIND.ActorStopped
          ? this.dispatch(sessionId, event, undefined, true)
          : errAsync(error),
      );
  }

  private lease(entry: SessionEntry, request: SessionRequest, source: SessionLease['source']): SessionLease {
    const lease: SessionLease = { sessionId: entry.sessionId, tenant: entry.tenant, userId: request.userId, request, source, acquiredAt: this.clock.now() };
    entry.leases += 1;
    this.#leases.set(leaseKey(lease), lease);
    void this.handlers.runAcquire(lease).then((faults) => {
      for (const fault of faults) this.logger.warn({ fault }, 'pool: a handler failed in onAcquire');
    });
    return lease;
  }

  /** Keeps the index in step with each session commit, unloads hibernated and ended sessions, reports recoveries. */
  private onCommit(commit: Commit): void {
    if (!commit.stream.startsWith(STREAM_PREFIX.session)) return;
    const sessionId = commit.stream.slice(STREAM_PREFIX.session.length);
    const entry = this.index.get(sessionId);
    const snapshot = commit.snapshot as SnapshotFrom<typeof sessionMachine>;
    const state = snapshot.value as SessionStateValue;
    if (entry !== undefined) {
      entry.state = state;
      entry.lastActiveAt = snapshot.context.lastActivityAt;
    }
    // Aborted turns are stored facts now, not effects: the API breaker hears of them here (a probe turn aborted is abandoned).
    for (const outcome of commit.outcomes) {
      if (outcome.type !== SESSION_OUTCOME_NAME.TURN_ABORTED) continue;
      const { turnId, reason } = outcome.data as TurnAbortedData;
      this.breakers.api.aborted([turnId], reason);
    }
    const recovery = recoveryTransition((commit.before as SnapshotFrom<typeof sessionMachine>).value as SessionStateValue, state);
    if (recovery !== null) void this.recordPool(recoveryReport(sessionId, recovery, this.clock.now(), snapshot.context.lastFault?.detail ?? null));
    this.notify({ kind: 'commit', sessionId, commit: commit as Commit<typeof sessionMachine> });
    if (state === 'hibernated' || state === 'terminated') {
      if (state === 'terminated') this.forget(sessionId);
      void this.sessions.load(sessionId).map((actor) => actor.stop());
      this.capacity.reconcile();
    }
  }

  private forget(sessionId: string): void {
    this.index.delete(sessionId);
    this.#sent.forget(sessionId);
    for (const [key, id] of this.#affinity) if (id === sessionId) this.#affinity.delete(key);
    for (const [key, lease] of this.#leases) if (lease.sessionId === sessionId) this.#leases.delete(key);
  }

  private notify(notice: PoolNotice): void {
    if (notice.kind === 'startFailed') this.logger.warn({ sessionId: notice.sessionId, error: notice.error }, 'pool: could not start an agent');
    for (const listener of this.#listeners) {
      try {
        listener(notice);
      } catch (error) {
        this.logger.error({ error: String(error) }, 'pool: a listener threw');
      }
    }
  }

  /** Appends a pool event (decisions and reports); a refusal is fine, a store failure is logged. */
  private recordPool(event: PoolEvent): Promise<void> {
    return this.poolActor.send(event).match(
      () => undefined,
      (error) => this.logger.warn({ error, event: event.type }, 'pool: could not record a pool event'),
    );
  }

  #maintenanceHooks(): MaintenanceHooks {
    return {
      now: () => this.clock.now(),
      entries: () => this.index.values(),
      warm: this.warm,
      supply: this.supply,
      slots: this.slots,
      memory: this.memory,
      settings: this.deps.settings,
      poolContext: () => this.poolActor.getSnapshot().context,
      record: (event: PoolEvent) => this.recordPool(event),
      evict: (sessionId: string, reason: 'lru' | 'memory' | 'max_lifetime') => this.capacity.evict(sessionId, reason),
      reconcile: () => this.capacity.reconcile(),
      residentStreams: () => this.host.live(),
      unload: (stream: string) => {
        const id = stream.slice(STREAM_PREFIX.session.length);
        void this.sessions.load(id).map((actor) => actor.stop());
      },
      isIndexed: (sessionId: string) => this.index.get(sessionId) !== undefined,
      crashed: (sessionId: string, detail: string) => {
        void this.dispatch(sessionId, { type: SESSION_EVENT.AGENT_FAULT, at: this.clock.now(), fault: 'crash', detail });
      },
      logger: this.logger,
    };
  }

  #recoveryHooks(): RecoveryHooks {
    return {
      now: () => this.clock.now(),
      dispatch: (sessionId: string, event: SessionEvent) => this.dispatch(sessionId, event),
      record: (event: PoolEvent) => void this.recordPool(event),
      logger: this.logger,
    };
  }
}

/** States with no process to stop at shutdown. */
const RESTING_STATES: readonly SessionStateValue[] = ['hibernated', 'failed', 'terminated'];

const leaseKey = (lease: SessionLease): string => `${lease.sessionId}\u0000${lease.userId}\u0000${lease.acquiredAt}`;

const extensionFailure = (error: ExtensionError): PoolError => ({ kind: POOL_ERROR_KIND.Extension, error });

/** Loads an actor, creating it when its stream does not exist yet. */
function loadOrCreate<T>(loaded: ResultAsync<T, RuntimeError>, create: () => ResultAsync<T, RuntimeError>): ResultAsync<T, RuntimeError> {
  return loaded.orElse((error) => (isRuntimeErrorOf(RUNTIME_ERROR_KIND.ActorNotFound)(error) ? create() : errAsync(error)));
}

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
