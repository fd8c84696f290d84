/**
 * The pool's in-memory index of sessions: for each session that is not terminated, what placement, eviction and
 * status need (tenant, owner, profile, last known state, activity), plus — while it is resident — its actor
 * handle and attached agent process. A hibernated session costs only its index entry.
 */
import type { TextDeltas } from '../processes/text-deltas.js';
import type { SessionSharing, SessionStateValue, sessionMachine } from '../../../machines/index.js';
import type { SessionInputMapper } from '../../agent/index.js';
import type { PersistedActor } from '../../runtime/index.js';
import type { AgentHandle } from '../processes/agent-port.js';

/** A hosted session actor. */
export type SessionActor = PersistedActor<typeof sessionMachine>;

/** The process attached to a resident session. */
export interface AttachedAgent {
  readonly handle: AgentHandle;
  readonly mapper: SessionInputMapper;
  readonly startedAt: number;
  /** The turn whose output the process is producing (set by `sendToAgent`). */
  currentTurnId: string | undefined;
  /** Turns written to this process; a process that never got one can be reused by another session. */
  turnsSent: number;
  /** Text deltas received in the current read, stored together on the next tick. */
  readonly deltas: TextDeltas;
  /** The agent's working directory as its init line says (tool approval rules match paths against it). */
  cwd: string | null;
  detach: () => void;
}

/** One session as the pool tracks it. */
export interface SessionEntry {
  readonly sessionId: string;
  readonly tenant: string;
  readonly owner: string;
  readonly profile: string;
  state: SessionStateValue;
  lastActiveAt: number;
  /** Who takes part and who may join by sharing, as of the last commit (placement offers only what a caller may join). */
  sharing: SessionSharing;
  /** Users holding a lease on the session (its load for placement). */
  leases: number;
  agent: AttachedAgent | null;
}

/** States in which the session's process may be stopped to make room (it is waiting for a message). */
export const EVICTABLE_STATES: readonly SessionStateValue[] = ['ready', 'idle'];

/** States in which a session normally has a live process (or is getting one). */
export const PROCESS_STATES: readonly SessionStateValue[] = ['provisioning', 'starting', 'ready', 'busy', 'awaitingApproval', 'interrupting', 'idle', 'resuming', 'recovering'];

/** The index. */
export class SessionIndex {
  readonly #entries = new Map<string, SessionEntry>();

  get size(): number {
    return this.#entries.size;
  }

  get(sessionId: string): SessionEntry | undefined {
    return this.#entries.get(sessionId);
  }

  add(entry: SessionEntry): void {
    this.#entries.set(entry.sessionId, entry);
  }

  delete(sessionId: string): void {
    this.#entries.delete(sessionId);
  }

  values(): IterableIterator<SessionEntry> {
    return this.#entries.values();
  }

  /** Counts of sessions per state. */
  countByState(): Partial<Record<SessionStateValue, number>> {
    const counts: Partial<Record<SessionStateValue, number>> = {};
    for (const entry of this.#entries.values()) counts[entry.state] = (counts[entry.state] ?? 0) + 1;
    return counts;
  }
}
