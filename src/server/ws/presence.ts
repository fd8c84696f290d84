/**
 * Who is in each session over WebSocket: per session, per user, the status of each of their connections. A user's
 * status is their most active connection's (typing > watching > idle); a change is reported only when that
 * aggregate changes, and `left` when their last connection leaves. Pure bookkeeping: the hub broadcasts.
 */
import { PRESENCE_STATUS, type PresenceStatus } from './protocol.js';

/** A status a connection can hold (everything but `left`). */
export type ConnectionPresence = Exclude<PresenceStatus, typeof PRESENCE_STATUS.left>;

/** One user of a session as presence frames list them. */
export interface PresenceUser {
  readonly userId: string;
  readonly status: ConnectionPresence;
  readonly connections: number;
}

/** A user's aggregate status changed. */
export interface PresenceChange {
  readonly userId: string;
  readonly status: PresenceStatus;
}

const RANK: Readonly<Record<ConnectionPresence, number>> = { typing: 3, watching: 2, idle: 1 };

/** Presence of every session, keyed by session, user and connection. */
export class PresenceBoard {
  readonly #sessions = new Map<string, Map<string, Map<string, ConnectionPresence>>>();

  /** Sets `connectionId`'s status for `userId` in `sessionId`; the user's change, or `null` when it did not change. */
  set(sessionId: string, userId: string, connectionId: string, status: ConnectionPresence): PresenceChange | null {
    let users = this.#sessions.get(sessionId);
    if (users === undefined) this.#sessions.set(sessionId, (users = new Map()));
    let connections = users.get(userId);
    if (connections === undefined) users.set(userId, (connections = new Map()));
    const before = aggregate(connections);
    connections.set(connectionId, status);
    const after = aggregate(connections)!;
    return before === after ? null : { userId, status: after };
  }

  /** Removes `connectionId` from `sessionId`; the user's change (`left` when it was their last), or `null`. */
  remove(sessionId: string, userId: string, connectionId: string): PresenceChange | null {
    const users = this.#sessions.get(sessionId);
    const connections = users?.get(userId);
    if (users === undefined || connections === undefined || !connections.has(connectionId)) return null;
    const before = aggregate(connections);
    connections.delete(connectionId);
    if (connections.size === 0) {
      users.delete(userId);
      if (users.size === 0) this.#sessions.delete(sessionId);
      return { userId, status: PRESENCE_STATUS.left };
    }
    const after = aggregate(connections);
    return before === after || after === null ? null : { userId, status: after };
  }

  /** The users of `sessionId`, sorted by id. */
  users(sessionId: string): PresenceUser[] {
    const users = this.#sessions.get(sessionId);
    if (users === undefined) return [];
    return [...users.entries()]
      .map(([userId, connections]) => ({ userId, status: aggregate(connections)!, connections: connections.size }))
      .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  }
}

function aggregate(connections: ReadonlyMap<string, ConnectionPresence>): ConnectionPresence | null {
  let best: ConnectionPresence | null = null;
  for (const status of connections.values()) if (best === null || RANK[status] > RANK[best]) best = status;
  return best;
}
