/**
 * The pool's periodic checks, each also callable on its own (tests drive them by hand):
 * - scaling: sample utilisation and record the pool machine's decision (the `adjustWarm` effect acts on it);
 * - memory: measure the agents' resident memory, adjust the process cap, hibernate idle sessions over budget;
 * - lifetimes: recycle processes older than `max_lifetime` (idle sessions hibernate, warm ones are replaced);
 * - leaks: compare the OS's child processes and the host's resident actors with what the pool owns, and repair.
 */
import { POOL_EVENT, scalingDecision, type PoolContext, type PoolEvent } from '../../../machines/index.js';
import { groupRss, liveProcessCap, type RssEstimator } from './memory.js';
import { chooseEvictions, overLifetime } from './eviction.js';
import type { PoolSettings } from '../options.js';
import { childProcesses, compareCensus, processGroupsAlive } from './process-census.js';
import type { ProcessSlots } from '../processes/process-slots.js';
import type { ProcessSupply } from '../processes/process-supply.js';
import { EVICTABLE_STATES, type SessionEntry } from '../sessions/session-index.js';
import type { WarmSet } from '../processes/warm-set.js';
import { signalGroup } from '../../agent/process-group.js';

/** How maintenance looks at the operating system. */
export interface MaintenanceProbes {
  /** Resident bytes of an agent's process group. */
  readonly rssOf: (pid: number) => number;
  /** Pids of this server's direct child processes. */
  readonly childPids: () => number[];
  /** Which of these process groups still have a live member. */
  readonly groupsAlive: (pgids: Iterable<number>) => Set<number>;
  /** Kills an untracked process group. */
  readonly killGroup: (pgid: number) => void;
}

const OS_PROBES: MaintenanceProbes = {
  rssOf: groupRss,
  childPids: () => childProcesses().map((child) => child.pid),
  groupsAlive: processGroupsAlive,
  killGroup: (pgid) => void signalGroup(pgid, 'SIGKILL'),
};

/** What maintenance needs from the pool. */
export interface MaintenanceHooks {
  readonly now: () => number;
  readonly entries: () => IterableIterator<SessionEntry>;
  readonly warm: WarmSet;
  readonly supply: ProcessSupply;
  readonly slots: ProcessSlots;
  readonly memory: { readonly budgetBytes: number; readonly estimator: RssEstimator; measuredBytes: number };
  readonly settings: PoolSettings;
  readonly poolContext: () => PoolContext;
  /** Appends a pool event; resolves once it is stored (or refused). */
  readonly record: (event: PoolEvent) => Promise<void>;
  readonly evict: (sessionId: string, reason: 'lru' | 'memory' | 'max_lifetime') => Promise<void>;
  readonly reconcile: () => void;
  readonly residentStreams: () => readonly string[];
  readonly unload: (stream: string) => void;
  readonly isIndexed: (sessionId: string) => boolean;
  readonly crashed: (sessionId: string, detail: string) => void;
  readonly logger: { warn(object: object, message?: string): void };
}

/** What one leak check found and did. */
export interface LeakReport {
  readonly untrackedProcesses: number[];
  readonly missingProcesses: number[];
  readonly strayActors: string[];
}

/** Runs the periodic checks. */
export class PoolMaintenance {
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  readonly #probes: MaintenanceProbes;

  constructor(
    private readonly hooks: MaintenanceHooks,
    private readonly settings: PoolSettings,
    probes: Partial<MaintenanceProbes> = {},
  ) {
    this.#probes = { ...OS_PROBES, ...probes };
  }

  /** Starts the timers (unref'd: they never keep the process alive). */
  start(): void {
    const every = (ms: number, task: () => void): void => {
      const timer = setInterval(() => {
        try {
          task();
        } catch (error) {
          this.hooks.logger.warn({ error: String(error) }, 'pool: a maintenance check failed');
        }
      }, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(this.settings.checkIntervalMs, () => void this.sampleScaling());
    every(this.settings.memoryCheckIntervalMs, () => {
      this.checkMemory();
      this.checkLifetimes();
    });
    if (this.settings.leakDetection) every(this.settings.leakCheckIntervalMs, () => void this.checkLeaks());
  }

  /** Stops the timers. */
  stop(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
  }

  /** Samples utilisation and records the scaling decision, if any (its `adjustWarm` effect acts on it). */
  async sampleScaling(): Promise<PoolEvent | null> {
    const live = this.hooks.supply.staying;
    let inUse = 0;
    for (const entry of this.hooks.entries()) if (entry.agent !== null) inUse += 1;
    const decision = scalingDecision(this.hooks.poolContext(), { at: this.hooks.now(), live, inUse });
    if (decision !== null) await this.hooks.record(decision);
    else this.hooks.reconcile();
    return decision;
  }

  /** Measures resident memory, updates the cap, and evicts idle sessions while over budget. Returns how many. */
  checkMemory(): number {
    const handles = [...this.hooks.supply.live];
    if (handles.length === 0) return 0;
    let total = 0;
    for (const handle of handles) total += this.#probes.rssOf(handle.pid);
    const { memory, settings, slots } = this.hooks;
    memory.measuredBytes = total;
    memory.estimator.observe(total / handles.length);
    const perProcess = memory.estimator.estimate();
    slots.setCap(liveProcessCap({ maxSize: settings.scaling.maxSize, maxProcesses: settings.maxProcesses, budgetBytes: memory.budgetBytes, perProcessBytes: perProcess }));
    if (total <= memory.budgetBytes) return 0;
    let excess = Math.ceil((total - memory.budgetBytes) / Math.max(1, perProcess));
    const retired = this.hooks.supply.retireWarm(excess);
    excess -= retired;
    const victims = this.evictionCandidates(excess);
    for (const sessionId of victims) void this.hooks.evict(sessionId, 'memory');
    if (victims.length + retired > 0) this.hooks.logger.warn({ total, budget: memory.budgetBytes, evicted: victims.length, retired }, 'pool: over the memory budget');
    return victims.length + retired;
  }

  /** Recycles processes older than `max_lifetime`: idle sessions hibernate, warm processes are replaced. */
  checkLifetimes(): number {
    const max = this.settings.maxLifetimeMs;
    if (max <= 0) return 0;
    const at = this.hooks.now();
    const old = overLifetime(this.#candidates(), at, max, { evictableStates: EVICTABLE_STATES });
    for (const sessionId of old) void this.hooks.evict(sessionId, 'max_lifetime');
    const warm = this.hooks.warm.takeOlderThan(at, max);
    for (const process of warm) this.hooks.supply.retire(process.handle);
    if (warm.length > 0) this.hooks.reconcile();
    return old.length + warm.length;
  }

  /**
   * Compares what the OS and the host hold with what the pool owns: child processes the pool does not know are
   * killed, owned processes whose group is gone are forgotten (their sessions recover), resident actors of no
   * indexed session are unloaded. Each finding is recorded as `LeakDetected`.
   */
  checkLeaks(): LeakReport {
    const at = this.hooks.now();
    const owned = new Map([...this.hooks.supply.live].map((handle) => [handle.pid, handle] as const));
    const children = new Set(this.#probes.childPids());
    const { untracked } = compareCensus(new Set(owned.keys()), children);
    for (const pid of untracked) this.#probes.killGroup(pid);
    const alive = this.#probes.groupsAlive(owned.keys());
    const missing = [...owned.keys()].filter((pid) => !alive.has(pid));
    for (const pid of missing) {
      const handle = owned.get(pid)!;
      this.hooks.supply.forget(handle);
      for (const entry of this.hooks.entries()) {
        if (entry.agent?.handle === handle) this.hooks.crashed(entry.sessionId, `process ${pid} vanished without an exit being seen`);
      }
    }
    const strayActors = this.hooks
      .residentStreams()
      .filter((stream) => stream.startsWith('session-') && !this.hooks.isIndexed(stream.slice('session-'.length)));
    for (const stream of strayActors) this.hooks.unload(stream);
    const findings: Array<[resource: 'process' | 'handle' | 'actor', count: number, expected: number, detail: string]> = [
      ['process', untracked.length, owned.size, `untracked child processes killed: ${untracked.join(', ')}`],
      ['handle', missing.length, owned.size, `owned processes gone without an exit: ${missing.join(', ')}`],
      ['actor', strayActors.length, 0, `resident actors of no indexed session unloaded: ${strayActors.join(', ')}`],
    ];
    for (const [resource, count, expected, detail] of findings) {
      if (count === 0) continue;
      this.hooks.logger.warn({ resource, count, detail }, 'pool: leak detected and repaired');
      void this.hooks.record({ type: POOL_EVENT.LEAK_DETECTED, at, resource, expected, actual: expected + count, repaired: true, detail });
    }
    return { untrackedProcesses: untracked, missingProcesses: missing, strayActors };
  }

  /** Up to `count` idle sessions with a process, least recently active first. */
  evictionCandidates(count: number): string[] {
    return evictionCandidates(this.hooks.entries(), count);
  }

  #candidates() {
    return withProcess(this.hooks.entries());
  }
}

/** The sessions of `entries` that have a process, as eviction candidates. */
function withProcess(entries: Iterable<SessionEntry>) {
  return [...entries]
    .filter((entry) => entry.agent !== null)
    .map((entry) => ({ id: entry.sessionId, state: entry.state, lastActiveAt: entry.lastActiveAt, startedAt: entry.agent!.startedAt }));
}

/** Up to `count` idle sessions of `entries` with a process, least recently active first. */
export function evictionCandidates(entries: Iterable<SessionEntry>, count: number): string[] {
  return chooseEvictions(withProcess(entries), count, { evictableStates: EVICTABLE_STATES });
}
