/**
 * Handing sessions out: `create` a new one (after the pool handlers' `onCreate`, refused with `PoolExhausted` when
 * no process can be had), `acquire` one shared when possible (the user's previous session of the profile, else one
 * placed among the tenant's open sessions with room, else a new one), and `release` a lease (`onRelease`). Each
 * lease counts towards its session's load for placement.
 */
import { randomUUID } from 'node:crypto';
import { errAsync, type ResultAsync } from 'neverthrow';
import { mayShareInto, sharingAtStart, type ParticipantRole, type sessionMachine } from '../../../machines/index.js';
import { type ActorRepository, type Clock } from '../../runtime/index.js';
import { POOL_ERROR_KIND, runtimeFailure, type PoolError } from '../errors.js';
import type { HandlerRegistry } from '../extensions/handlers.js';
import type { PoolLogger } from '../logger.js';
import type { PoolSettings } from '../options.js';
import type { Capacity } from '../processes/capacity.js';
import type { ProfileDemand } from '../processes/demand.js';
import type { ProcessSlots } from '../processes/process-slots.js';
import { profileKey } from '../processes/profile.js';
import type { WarmSet } from '../processes/warm-set.js';
import type { WarmTarget } from '../processes/warm-target.js';
import type { Placement } from './placement.js';
import { sessionRequestProblem, type SessionLease, type SessionRequest } from './request.js';
import { extensionFailure, type CommandOrigin, type JoinOptions } from './session-commands.js';
import type { SessionEntry, SessionIndex } from './session-index.js';

/** What handing sessions out works with. */
export interface SessionLeasesDeps {
  readonly index: SessionIndex;
  readonly repository: ActorRepository<typeof sessionMachine>;
  readonly handlers: HandlerRegistry;
  readonly placement: Placement;
  readonly demand: ProfileDemand;
  readonly warm: WarmSet;
  readonly slots: ProcessSlots;
  readonly capacity: Capacity;
  readonly warmTarget: WarmTarget;
  /** Adds a user to a session (the session commands' `join`). */
  readonly join: (sessionId: string, userId: string, role: Exclude<ParticipantRole, 'owner'>, options: JoinOptions) => ResultAsync<boolean, PoolError>;
  readonly settings: PoolSettings;
  readonly clock: Clock;
  readonly logger: PoolLogger;
  readonly closed: () => boolean;
}

/** The leases of one pool. */
export class SessionLeases {
  readonly #affinity = new Map<string, string>();
  readonly #leases = new Map<string, SessionLease>();

  constructor(private readonly deps: SessionLeasesDeps) {}

  /** See `SessionPool.create`. */
  create(request: SessionRequest, options: { readonly sessionId?: string } & CommandOrigin = {}): ResultAsync<SessionLease, PoolError> {
    const { index, clock, settings } = this.deps;
    if (this.deps.closed()) return errAsync({ kind: POOL_ERROR_KIND.PoolClosed });
    const problem = sessionRequestProblem(request);
    if (problem !== null) return errAsync({ kind: POOL_ERROR_KIND.InvalidRequest, reason: problem });
    return this.deps.handlers
      .runCreate(request)
      .mapErr(extensionFailure)
      .andThen((accepted) => {
        const profile = profileKey(accepted.tenant, accepted.options);
        this.deps.demand.record(accepted.tenant, accepted.options, clock.now());
        // A fork that continues a conversation starts its own process (see `firstConversation`).
        const warm = this.deps.warm.has(profile) && (accepted.forkedFrom?.messageUuid ?? null) === null;
        const { slots } = this.deps;
        if (!warm && slots.free === 0 && !this.deps.capacity.canMakeRoom()) {
          return errAsync<SessionLease, PoolError>({ kind: POOL_ERROR_KIND.PoolExhausted, live: slots.used, cap: slots.cap });
        }
        const sessionId = options.sessionId ?? randomUUID();
        const at = clock.now();
        const shareable = accepted.shareable === true;
        const sharing = sharingAtStart({ owner: accepted.userId, at, shareable });
        const entry: SessionEntry = { sessionId, tenant: accepted.tenant, owner: accepted.userId, profile, state: 'provisioning', lastActiveAt: at, sharing, leases: 0, agent: null };
        if (index.get(sessionId) !== undefined) return errAsync<SessionLease, PoolError>({ kind: POOL_ERROR_KIND.InvalidRequest, reason: `session ${sessionId} exists` });
        index.add(entry);
        const input = { sessionId, tenant: accepted.tenant, owner: accepted.userId, at, options: accepted.options, limits: { ...settings.limits, ...accepted.limits }, ...(shareable ? { shareable } : {}), ...(accepted.forkedFrom === undefined ? {} : { forkedFrom: accepted.forkedFrom }), ...(accepted.approvalRules === undefined ? {} : { approvalRules: [...accepted.approvalRules] }) };
        return this.deps.repository
          .create(input, options)
          .mapErr((error) => {
            if (index.get(sessionId) === entry) index.delete(sessionId);
            return runtimeFailure(error);
          })
          .map(() => {
            this.deps.warmTarget.reconcile();
            return this.#lease(entry, accepted, warm ? 'warm' : 'cold');
          });
      });
  }

  /** See `SessionPool.acquire`. */
  acquire(request: SessionRequest): ResultAsync<SessionLease, PoolError> {
    const { index, settings } = this.deps;
    if (this.deps.closed()) return errAsync({ kind: POOL_ERROR_KIND.PoolClosed });
    const problem = sessionRequestProblem(request);
    if (problem !== null) return errAsync({ kind: POOL_ERROR_KIND.InvalidRequest, reason: problem });
    const profile = profileKey(request.tenant, request.options);
    const affinityKey = `${request.tenant}\u0000${request.userId}\u0000${profile}`;
    const remembered = settings.affinity ? index.get(this.#affinity.get(affinityKey) ?? '') : undefined;
    // Only sessions the caller may join: one they take part in, or one its owner made shareable and did not remove them from.
    const open = (entry: SessionEntry): boolean =>
      entry.tenant === request.tenant && entry.profile === profile && entry.state !== 'failed' && mayShareInto(entry.sharing, request.userId);
    const target =
      remembered !== undefined && open(remembered)
        ? remembered
        : index.get(
            this.deps.placement.choose(
              [...index.values()].filter(open).map((entry) => ({ id: entry.sessionId, load: entry.leases, capacity: settings.maxParticipants })),
            )?.id ?? '',
          );
    if (target === undefined) {
      return this.create(request).map((lease) => {
        this.#affinity.set(affinityKey, lease.sessionId);
        return lease;
      });
    }
    return this.deps
      .join(target.sessionId, request.userId, 'editor', { allowExisting: true, via: 'share' })
      .map(() => {
        this.#affinity.set(affinityKey, target.sessionId);
        return this.#lease(target, request, 'existing');
      })
      .orElse((error) => {
        // The session refused the join (its sharing changed since the index last heard of it): a new session instead.
        if (error.kind !== POOL_ERROR_KIND.InvalidRequest) return errAsync<SessionLease, PoolError>(error);
        return this.create(request).map((lease) => {
          this.#affinity.set(affinityKey, lease.sessionId);
          return lease;
        });
      });
  }

  /** See `SessionPool.release`. */
  async release(lease: SessionLease): Promise<void> {
    if (!this.#leases.delete(leaseKey(lease))) return;
    const entry = this.deps.index.get(lease.sessionId);
    if (entry !== undefined) entry.leases = Math.max(0, entry.leases - 1);
    const faults = await this.deps.handlers.runRelease(lease);
    for (const fault of faults) this.deps.logger.warn({ fault }, 'pool: a handler failed in onRelease');
  }

  /** Forgets a terminated session's leases and affinities. */
  forget(sessionId: string): void {
    for (const [key, id] of this.#affinity) if (id === sessionId) this.#affinity.delete(key);
    for (const [key, lease] of this.#leases) if (lease.sessionId === sessionId) this.#leases.delete(key);
  }

  #lease(entry: SessionEntry, request: SessionRequest, source: SessionLease['source']): SessionLease {
    const lease: SessionLease = { sessionId: entry.sessionId, tenant: entry.tenant, userId: request.userId, request, source, acquiredAt: this.deps.clock.now() };
    entry.leases += 1;
    this.#leases.set(leaseKey(lease), lease);
    void this.deps.handlers.runAcquire(lease).then((faults) => {
      for (const fault of faults) this.deps.logger.warn({ fault }, 'pool: a handler failed in onAcquire');
    });
    return lease;
  }
}

const leaseKey = (lease: SessionLease): string => `${lease.sessionId}\u0000${lease.userId}\u0000${lease.acquiredAt}`;
