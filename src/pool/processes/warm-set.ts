/**
 * Warm agent processes: started and ready, with no conversation yet, grouped by launch profile. A warm
 * process that dies is forgotten at once; taking one hands it over with its event subscription removed.
 */
import { AGENT_EVENT } from '../../agent/index.js';
import type { AgentOptions } from '../../../machines/index.js';
import type { AgentHandle } from './agent-port.js';

/** A ready process waiting for a session. */
export interface WarmProcess {
  readonly handle: AgentHandle;
  readonly tenant: string;
  readonly options: AgentOptions;
  readonly profile: string;
  readonly startedAt: number;
}

interface Entry {
  readonly warm: WarmProcess;
  readonly unsubscribe: () => void;
}

/** The warm processes, by profile, oldest first. */
export class WarmSet {
  readonly #byProfile = new Map<string, Entry[]>();
  #size = 0;

  /** Number of warm processes. */
  get size(): number {
    return this.#size;
  }

  /** Adds a ready process; it leaves the set by itself if it exits. */
  add(warm: WarmProcess): void {
    const unsubscribe = warm.handle.on((event) => {
      if (event.kind === AGENT_EVENT.EXITED) this.#remove(warm.handle);
    });
    if (!warm.handle.running) {
      unsubscribe();
      return;
    }
    const list = this.#byProfile.get(warm.profile) ?? [];
    list.push({ warm, unsubscribe });
    this.#byProfile.set(warm.profile, list);
    this.#size += 1;
  }

  /** Whether a process for `profile` is waiting. */
  has(profile: string): boolean {
    return (this.#byProfile.get(profile)?.length ?? 0) > 0;
  }

  /** Takes the oldest running process for `profile`. */
  take(profile: string): WarmProcess | undefined {
    const list = this.#byProfile.get(profile);
    while (list !== undefined && list.length > 0) {
      const entry = list.shift()!;
      this.#size -= 1;
      entry.unsubscribe();
      if (list.length === 0) this.#byProfile.delete(profile);
      if (entry.warm.handle.running) return entry.warm;
    }
    return undefined;
  }

  /** Takes up to `count` processes to retire, oldest first across profiles. */
  takeOldest(count: number): WarmProcess[] {
    const all = this.list().sort((a, b) => a.startedAt - b.startedAt);
    return all.slice(0, Math.max(0, count)).flatMap((warm) => this.#remove(warm.handle) ?? []);
  }

  /** Takes the processes started before `at - maxAgeMs`. */
  takeOlderThan(at: number, maxAgeMs: number): WarmProcess[] {
    return this.list()
      .filter((warm) => at - warm.startedAt > maxAgeMs)
      .flatMap((warm) => this.#remove(warm.handle) ?? []);
  }

  /** Every warm process. */
  list(): WarmProcess[] {
    return [...this.#byProfile.values()].flatMap((entries) => entries.map((entry) => entry.warm));
  }

  /** Empties the set, returning what it held. */
  drain(): WarmProcess[] {
    return this.list().flatMap((warm) => this.#remove(warm.handle) ?? []);
  }

  #remove(handle: AgentHandle): WarmProcess | undefined {
    for (const [profile, list] of this.#byProfile) {
      const index = list.findIndex((entry) => entry.warm.handle === handle);
      if (index < 0) continue;
      const [entry] = list.splice(index, 1);
      if (list.length === 0) this.#byProfile.delete(profile);
      this.#size -= 1;
      entry!.unsubscribe();
      return entry!.warm;
    }
    return undefined;
  }
}
