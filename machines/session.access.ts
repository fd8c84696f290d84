/**
 * Who may do what in a session, as pure functions over its context or snapshot: the machine's guards
 * use them, and the runtime asks the same questions (`canSend`, `messageRefusal`) before it persists a
 * command, so a refusal is decided once and means the same everywhere. Ownership is fixed: the owner
 * cannot leave or be demoted, and no one can join as owner (there is no ownership transfer).
 */
import type { SessionContext } from './session.context.js';
import type { ParticipantRole } from './session.events.js';
import { CLOSED_STATES, TURN_TAKING_STATES, type SessionStateValue } from './session.states.js';

/** Why a message from a user would not be accepted now. */
export type MessageRefusal = 'session-closed' | 'not-a-participant' | 'read-only' | 'queue-full';

/** The part of a session snapshot these checks read (any `SnapshotFrom<typeof sessionMachine>` fits). */
export interface SessionSnapshotLike {
  value: SessionStateValue;
  status?: string;
  context: SessionContext;
}

/** The role of `userId`, or `null` when they are not a participant. */
export function roleOf(context: SessionContext, userId: string): ParticipantRole | null {
  return context.participants.find((participant) => participant.userId === userId)?.role ?? null;
}

/** Owners and editors may send messages and interrupt turns; viewers may not. */
export function mayWrite(context: SessionContext, userId: string): boolean {
  const role = roleOf(context, userId);
  return role === 'owner' || role === 'editor';
}

/** Why a message from `userId` would be refused, given whether it would wait in the queue. */
export function refusalInContext(context: SessionContext, userId: string, queued: boolean): MessageRefusal | null {
  if (roleOf(context, userId) === null) return 'not-a-participant';
  if (!mayWrite(context, userId)) return 'read-only';
  if (queued && context.queuedMessages.length >= context.limits.maxQueuedMessages) return 'queue-full';
  return null;
}

/** Why the session in `snapshot` would refuse a message from `userId`, or `null` if it would accept it. */
export function messageRefusal(snapshot: SessionSnapshotLike, userId: string): MessageRefusal | null {
  const over = snapshot.status !== undefined && snapshot.status !== 'active';
  if (over || CLOSED_STATES.includes(snapshot.value)) return 'session-closed';
  return refusalInContext(snapshot.context, userId, !TURN_TAKING_STATES.includes(snapshot.value));
}

/** True when the session in `snapshot` would accept a message from `userId` (a fresh `turnId` assumed). */
export function canSend(snapshot: SessionSnapshotLike, userId: string): boolean {
  return messageRefusal(snapshot, userId) === null;
}

/** Whether `turnId` is neither running nor queued (accepting it twice would run it twice). */
export function isNewTurn(context: SessionContext, turnId: string): boolean {
  return context.currentTurn?.turnId !== turnId && !context.queuedMessages.some((message) => message.turnId === turnId);
}

/** Whether the machine takes `message` now: the sender may write, there is room if it queues, the turn is new. */
export function mayAccept(context: SessionContext, message: { userId: string; turnId: string }, queued: boolean): boolean {
  return refusalInContext(context, message.userId, queued) === null && isNewTurn(context, message.turnId);
}

/** Whether `userId` may join as `role`: not already in, and not as owner. */
export function mayJoin(context: SessionContext, userId: string, role: ParticipantRole): boolean {
  return role !== 'owner' && roleOf(context, userId) === null;
}

/** Whether `userId` may be given `role`: a non-owner participant, a different role, never owner. */
export function mayChangeRole(context: SessionContext, userId: string, role: ParticipantRole): boolean {
  return role !== 'owner' && isNonOwnerParticipant(context, userId) && roleOf(context, userId) !== role;
}

/** Whether `userId` may leave or change role: a participant other than the owner. */
export function isNonOwnerParticipant(context: SessionContext, userId: string): boolean {
  const role = roleOf(context, userId);
  return role !== null && role !== 'owner';
}
