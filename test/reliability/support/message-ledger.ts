/**
 * What the scenario's clients sent and what the server acknowledged, and the check of that record against the
 * stored histories: every acknowledged message is stored exactly once, under the turn id its ack named, and no
 * message (acknowledged or not) is stored twice. Messages are told apart by `clientMsgId`, unique per scenario.
 */
import { SESSION_PERSISTED_NAME } from '../../../machines/index.js';
import type { HistoryEvent } from './api.js';

/** One message a client sent, possibly several times (a retry after a reconnect keeps its `clientMsgId`). */
export interface SentMessage {
  readonly sessionId: string;
  readonly userId: string;
  readonly clientMsgId: string;
  readonly text: string;
  /** Times it was sent. */
  attempts: number;
  /** The turn id of every ack received for it (all the same when the server keeps its promise). */
  readonly ackTurnIds: string[];
  /** Error codes received for it (refusals such as `too_many_requests`: nothing was stored). */
  readonly refusals: string[];
}

/** A message stored other than exactly once, or under another turn id than its ack said. */
export interface DeliveryViolation {
  readonly sessionId: string;
  readonly clientMsgId: string;
  readonly stored: number;
  readonly ackTurnIds: readonly string[];
  readonly storedTurnIds: readonly string[];
}

/** The outcome of {@link checkDelivery}. */
export interface DeliveryReport {
  readonly acked: number;
  /** Acknowledged but not in the history. */
  readonly lost: DeliveryViolation[];
  /** In the history more than once. */
  readonly duplicated: DeliveryViolation[];
  /** Acknowledged with a turn id the history does not have for it, or acks that disagree. */
  readonly mismatched: DeliveryViolation[];
}

/** Every message of a scenario. */
export class MessageLedger {
  readonly #messages = new Map<string, SentMessage>();
  #next = 0;

  /** A new message for `sessionId` with a fresh, scenario-unique `clientMsgId` (prefixed with `label`). */
  create(sessionId: string, userId: string, label: string, text: (clientMsgId: string) => string = (id) => `message ${id}`): SentMessage {
    const clientMsgId = `${label}-${(this.#next += 1)}`;
    const message: SentMessage = { sessionId, userId, clientMsgId, text: text(clientMsgId), attempts: 0, ackTurnIds: [], refusals: [] };
    this.#messages.set(clientMsgId, message);
    return message;
  }

  /** The messages of `sessionId` sent by `userId` that no ack has confirmed yet, oldest first. */
  unacked(sessionId: string, userId: string): SentMessage[] {
    return this.all().filter((m) => m.sessionId === sessionId && m.userId === userId && m.ackTurnIds.length === 0);
  }

  all(): SentMessage[] {
    return [...this.#messages.values()];
  }

  get acked(): number {
    return this.all().filter((m) => m.ackTurnIds.length > 0).length;
  }
}

/** Checks the ledger against the stored histories (session id → its events). */
export function checkDelivery(messages: readonly SentMessage[], histories: ReadonlyMap<string, readonly HistoryEvent[]>): DeliveryReport {
  const stored = new Map<string, string[]>();
  for (const events of histories.values()) {
    for (const event of events) {
      if (event.type !== SESSION_PERSISTED_NAME.MESSAGE_ACCEPTED) continue;
      const clientMsgId = event.data['clientMsgId'];
      if (typeof clientMsgId !== 'string') continue;
      stored.set(clientMsgId, [...(stored.get(clientMsgId) ?? []), String(event.data['turnId'])]);
    }
  }
  const lost: DeliveryViolation[] = [];
  const duplicated: DeliveryViolation[] = [];
  const mismatched: DeliveryViolation[] = [];
  for (const message of messages) {
    const storedTurnIds = stored.get(message.clientMsgId) ?? [];
    const violation: DeliveryViolation = { sessionId: message.sessionId, clientMsgId: message.clientMsgId, stored: storedTurnIds.length, ackTurnIds: message.ackTurnIds, storedTurnIds };
    const acked = message.ackTurnIds.length > 0;
    if (storedTurnIds.length > 1) duplicated.push(violation);
    else if (acked && storedTurnIds.length === 0) lost.push(violation);
    else if (acked && (new Set(message.ackTurnIds).size > 1 || message.ackTurnIds[0] !== storedTurnIds[0])) mismatched.push(violation);
  }
  return { acked: messages.filter((m) => m.ackTurnIds.length > 0).length, lost, duplicated, mismatched };
}
