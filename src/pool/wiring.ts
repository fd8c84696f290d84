/**
 * Builds a session pool's parts in dependency order and connects them: the signal bus and the host first, then the
 * breakers and the pool actor, the process supply, the bridge and the session actors, capacity, the session
 * commands and leases, maintenance. A part that must reach one built after it emits a signal (`signals.ts`) that is
 * subscribed here; no part holds the facade. Then `start` indexes the stored sessions, recovers those whose
 * process died with the previous run, and prewarms.
 */
import { totalmem } from 'node:os';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import { POOL_EVENT, samePoolOptions, SESSION_EVENT, sharingAtStart, type PoolEvent, type poolMachine, type SessionEvent, type sessionMachine } from '../../machines/index.js';
import {
  BREAKER_ACTOR,
  createActorHost,
  isRuntimeErrorOf,
  POOL_ACTOR,
  RUNTIME_ERROR_KIND,
  SESSION_ACTOR,
  STREAM_PREFIX,
  systemClock,
  type ActorHost,
  type ActorRepository,
  type Clock,
  type HostFault,
  type HostObserver,
  type PersistedActor,
  type RuntimeError,
} from '../runtime/index.js';
import { formatStoreError, type EventStore, type StoreError } from '../store/index.js';
import { POOL_ERROR_KIND, runtimeFailure, type PoolError } from './errors.js';
import { createHandlerRegistry, type HandlerRegistry } from './extensions/handlers.js';
import { createProcessorChain, type ProcessorChain } from './extensions/message-processors.js';
import { noopLogger, type PoolLogger } from './logger.js';
import { evictionCandidates, PoolMaintenance, type MaintenanceProbes } from './maintenance/maintenance.js';
import { deriveMemoryBudget, liveProcessCap, RssEstimator } from './maintenance/memory.js';
import { PoolNotices } from './notices.js';
import type { PoolSettings } from './options.js';
import { createSessionEffects } from './processes/agent-bridge.js';
import type { AgentLauncher } from './processes/agent-port.js';
import { Capacity } from './processes/capacity.js';
import { ProfileDemand } from './processes/demand.js';
import { ProcessSlots } from './processes/process-slots.js';
import { ProcessSupply } from './processes/process-supply.js';
import { profileKey } from './processes/profile.js';
import { WarmSet } from './processes/warm-set.js';
import { WarmTarget } from './processes/warm-target.js';
import { ApiTurnBreaker } from './resilience/api-breaker.js';
import { openBreakerGuard, type BreakerGuard } from './resilience/breaker-guard.js';
import { recoverAfterRestart } from './resilience/recovery.js';
import { createRetryPolicy } from './resilience/retry-policy.js';
import { PoolSignals } from './signals.js';
import { followSessionCommits } from './sessions/commit-follower.js';
import { SessionLeases } from './sessions/leases.js';
import { createPlacement } from './sessions/placement.js';
import { SentMessages } from './sessions/sent-messages.js';
import { SessionActors } from './sessions/session-actors.js';
import { readStoredSessions, type StoredSession } from './sessions/session-catalog.js';
import { SessionCommands } from './sessions/session-commands.js';
import { SessionIndex } from './sessions/session-index.js';

/** Names of the breakers the pool keeps. */
export const POOL_BREAKERS = { spawn: 'agent-spawn', api: 'anthropic-api' } as const;

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
  /** What a new agent process of a tenant may spend (`--max-budget-usd`), `null` for no cap (the default). */
  readonly budgetCapUsd?: (tenant: string) => number | null;
}

/** Whether the pool was closed (set once by the facade's `close`; parts read it). */
export interface PoolLife {
  closed: boolean;
}

/** A pool's parts, wired: what the facade delegates to. */
export interface PoolParts {
  readonly settings: PoolSettings;
  readonly life: PoolLife;
  readonly host: ActorHost;
  readonly index: SessionIndex;
  readonly warm: WarmSet;
  readonly slots: ProcessSlots;
  readonly supply: ProcessSupply;
  readonly memory: { readonly budgetBytes: number; readonly estimator: RssEstimator; measuredBytes: number };
  readonly poolActor: PersistedActor<typeof poolMachine>;
  readonly breakers: { readonly spawn: BreakerGuard; readonly api: ApiTurnBreaker };
  readonly handlers: HandlerRegistry;
  readonly processors: ProcessorChain;
  readonly notices: PoolNotices;
  readonly commands: SessionCommands;
  readonly leases: SessionLeases;
  readonly maintenance: PoolMaintenance;
  readonly logger: PoolLogger;
}

/**
 * Builds and starts a pool's parts: reaps orphans of a previous run, hosts the pool actor and breakers, indexes the
 * stored sessions and recovers those whose process died with the previous run, then prewarms `min_size` processes.
 */
export function openPool(deps: SessionPoolDeps): ResultAsync<PoolParts, PoolError> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? noopLogger;
  const { settings } = deps;
  const now = (): number => clock.now();
  const life: PoolLife = { closed: false };
  const closed = (): boolean => life.closed;
  const signals = new PoolSignals();
  const notices = new PoolNotices(logger);
  const index = new SessionIndex();
  const warm = new WarmSet();
  const demand = new ProfileDemand();
  const handlers = createHandlerRegistry({ now });
  const processors = createProcessorChain({ now });
  const budgetBytes = deriveMemoryBudget(settings.memoryBudgetBytes, deps.totalMemoryBytes ?? totalmem());
  const estimator = new RssEstimator(settings.processMemoryEstimateBytes);
  const memory = { budgetBytes, estimator, measuredBytes: 0 };
  const cap = liveProcessCap({ maxSize: settings.scaling.maxSize, maxProcesses: settings.maxProcesses, budgetBytes, perProcessBytes: estimator.estimate() });
  const slots = new ProcessSlots(cap, (waiting) => signals.emit('roomWanted', waiting));
  const report = (error: RuntimeError): void => logger.warn({ error }, 'pool: could not record an event');
  const host = createActorHost({
    store: deps.store,
    clock,
    ...(deps.snapshotEvery === undefined ? {} : { snapshotEvery: deps.snapshotEvery }),
    observers: [{ committed: (commit) => void signals.emit('committed', commit) }, ...(deps.observers ?? [])],
    onFault: (fault: HostFault) => logger.warn({ fault: { ...fault, error: String((fault as { error?: unknown }).error ?? '') } }, 'pool: actor host fault'),
  });
  const breakerActors = host.actors(BREAKER_ACTOR, {});
  const breaker = (name: string): ResultAsync<BreakerGuard, PoolError> =>
    openBreakerGuard(breakerActors, name, settings.breaker, clock, report).mapErr(runtimeFailure);
  const pools = host.actors(POOL_ACTOR, { adjustWarm: () => void signals.emit('targetChanged') });

  const wire = (spawn: BreakerGuard, api: ApiTurnBreaker, poolActor: PersistedActor<typeof poolMachine>): { readonly parts: PoolParts; readonly inner: StartParts } => {
    const record = (event: PoolEvent): Promise<void> =>
      poolActor.send(event).match(
        () => undefined,
        (error) => logger.warn({ error, event: event.type }, 'pool: could not record a pool event'),
      );
    const supply = new ProcessSupply({
      launcher: deps.launcher,
      slots,
      warm,
      spawnBreaker: spawn,
      retry: createRetryPolicy({ classes: settings.retry.classes, budget: settings.retry.budget }),
      clock,
      slotWaitMs: settings.limits.startTimeoutMs,
      partialMessages: settings.partialMessages,
      permissionPrompt: settings.approvals?.enabled === true,
      ...(deps.budgetCapUsd === undefined ? {} : { budgetCapUsd: deps.budgetCapUsd }),
      onExit: () => void signals.emit('processExited'),
      onRetry: (info) => logger.warn({ attempt: info.attempt, errorClass: info.errorClass, delayMs: info.delayMs, error: info.error }, 'pool: retrying an agent start'),
    });
    const warmTarget = new WarmTarget({ supply, warm, demand, target: () => poolActor.getSnapshot().context.target, now, closed });
    // The bridge reaches the actors of the repository it is the effects of: `load` gives the live handle.
    const repository: ActorRepository<typeof sessionMachine> = host.actors(SESSION_ACTOR, createSessionEffects({
      index,
      supply,
      processors,
      apiBreaker: api,
      clock,
      actorOf: (sessionId) => repository.load(sessionId),
      offerWarm: (process, tenant, options) => warmTarget.offerWarm(process.handle, tenant, options, process.startedAt),
      notify: (notice) => notices.notify(notice),
      approvalPolicy: settings.approvals?.policy ?? { rules: [], defaultAction: 'ask' },
      report,
    }));
    const actors = new SessionActors({ index, repository, closed });
    const sent = new SentMessages(deps.store);
    const commands = new SessionCommands({ index, actors, sent, apiBreaker: api, processors, notices, clock });
    const capacity = new Capacity({
      supply,
      warm,
      index,
      now,
      evictionCandidates: (count) => evictionCandidates(index.values(), count),
      hibernate: (sessionId, reason) => commands.hibernate(sessionId, reason),
      record,
      logger,
    });
    const leases = new SessionLeases({
      index, repository, handlers, placement: createPlacement(settings.placement), demand, warm, slots, capacity, warmTarget,
      join: (sessionId, userId, role, options) => commands.join(sessionId, userId, role, options),
      settings, clock, logger, closed,
    });
    const maintenance = new PoolMaintenance(
      {
        now, entries: () => index.values(), warm, supply, slots, memory, settings,
        poolContext: () => poolActor.getSnapshot().context,
        record,
        evict: (sessionId, reason) => capacity.evict(sessionId, reason),
        reconcile: () => warmTarget.reconcile(),
        residentStreams: () => host.live(),
        unload: (stream) => actors.unload(stream.slice(STREAM_PREFIX.session.length)),
        isIndexed: (sessionId) => index.get(sessionId) !== undefined,
        crashed: (sessionId, detail) => void actors.dispatch(sessionId, { type: SESSION_EVENT.AGENT_FAULT, at: now(), fault: 'crash', detail }),
        logger,
      },
      settings,
      deps.probes,
    );
    signals.on('roomWanted', (waiting) => capacity.makeRoom(waiting));
    signals.on('processExited', () => warmTarget.reconcile());
    signals.on('targetChanged', () => warmTarget.reconcile());
    signals.on('committed', followSessionCommits({
      index, apiBreaker: api, notices, clock, record,
      forget: (sessionId) => {
        index.delete(sessionId);
        sent.forget(sessionId);
        leases.forget(sessionId);
      },
      unload: (sessionId) => actors.unload(sessionId),
      reconcile: () => warmTarget.reconcile(),
    }));

    const parts: PoolParts = {
      settings, life, host, index, warm, slots, supply, memory, poolActor, breakers: { spawn, api }, handlers, processors, notices, commands, leases, maintenance, logger,
    };
    return { parts, inner: { actors, warmTarget, record, now } };
  };

  return deps.launcher
    .reapOrphans()
    .map((reaped) => {
      if (reaped.killed.length > 0) logger.warn({ pids: reaped.killed }, 'pool: killed agent processes left by a previous run');
    })
    .orElse((error) => {
      logger.warn({ error }, 'pool: could not reap orphans');
      return okAsync(undefined);
    })
    .andThen(() => ResultAsync.combine([breaker(POOL_BREAKERS.spawn), breaker(POOL_BREAKERS.api)] as const))
    .andThen(([spawn, apiGuard]) =>
      loadOrCreate(pools.load(settings.name), () => pools.create({ name: settings.name, at: clock.now(), options: settings.scaling }))
        .mapErr(runtimeFailure)
        .map((poolActor) => wire(spawn, new ApiTurnBreaker(apiGuard), poolActor)),
    )
    .andThen(({ parts, inner }) => start(deps, parts, inner).map(() => parts));
}

/** The parts `start` needs beyond the facade's. */
interface StartParts {
  readonly actors: SessionActors;
  readonly warmTarget: WarmTarget;
  readonly record: (event: PoolEvent) => Promise<void>;
  readonly now: () => number;
}

/** Indexes stored sessions, recovers the ones that had a process, reconfigures the pool actor, prewarms. */
function start(deps: SessionPoolDeps, parts: PoolParts, inner: StartParts): ResultAsync<void, PoolError> {
  const { index, poolActor, settings, logger } = parts;
  const { now } = inner;
  return (deps.storedSessions ?? (() => readStoredSessions(deps.store)))()
    .mapErr((error): PoolError => ({ kind: POOL_ERROR_KIND.StoreUnreadable, reason: `cannot read the stored sessions: ${formatStoreError(error)}` }))
    .andThen((stored) => {
      for (const { input, state, lastEventAt } of stored) {
        index.add({ sessionId: input.sessionId, tenant: input.tenant, owner: input.owner, profile: profileKey(input.tenant, input.options), state, lastActiveAt: lastEventAt, sharing: sharingAtStart(input), leases: 0, agent: null });
      }
      // The configuration in force wins: any difference from the stored options is recorded as PoolReconfigured.
      const changed = !samePoolOptions(poolActor.getSnapshot().context.options, settings.scaling);
      const reconfigured = changed
        ? poolActor.send({ type: POOL_EVENT.RECONFIGURED, at: now(), options: settings.scaling }).map(() => undefined)
        : okAsync(undefined);
      const hooks = { now, dispatch: (sessionId: string, event: SessionEvent) => inner.actors.dispatch(sessionId, event), record: (event: PoolEvent) => void inner.record(event), logger };
      return reconfigured.mapErr(runtimeFailure).andThen(() => ResultAsync.fromSafePromise(recoverAfterRestart(hooks, stored)));
    })
    .map((recovered) => {
      if (recovered.length > 0) logger.info({ sessions: recovered.length }, 'pool: recovering sessions whose process died with the previous run');
      inner.warmTarget.reconcile();
      if (deps.autoMaintenance !== false) parts.maintenance.start();
    });
}

/** Loads an actor, creating it when its stream does not exist yet. */
function loadOrCreate<T>(loaded: ResultAsync<T, RuntimeError>, create: () => ResultAsync<T, RuntimeError>): ResultAsync<T, RuntimeError> {
  return loaded.orElse((error) => (isRuntimeErrorOf(RUNTIME_ERROR_KIND.ActorNotFound)(error) ? create() : errAsync(error)));
}
