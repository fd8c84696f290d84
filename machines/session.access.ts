/**
 * Who may do what in a session, as pure functions over its context or snapshot: the machine's guards
 * use them, and the runtime asks the same questions (`canSend`, `messageRefusal`) before it persists a
 * command, so a refusal is decided once and means the same everywhere. Ownership is fixed: the owner
 * cannot leave or be demoted, and no one can join as owner (there is no ownership transfer).
 */
import type { SessionContext } from './session.context.js';
import type { ParticipantRole } from './session.events.js';
import type { SessionInput } from './session.options.js';
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
export function roleOf(context: Pick<SessionContext, 'participants'>, userId: string): ParticipantRole | null {
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

/** Users removed from the session and not invited since (none in a snapshot stored before removals were kept). */
export function removedFrom(context: Pick<SessionContext, 'removed'>): readonly string[] {
  return (context as Partial<SessionContext>).removed ?? [];
}

/**
 * Whether `userId` may join on their own (`share`): the owner made the session shareable and no one removed them
 * since their last invitation. Sharing is consent; removal is final until re-invited.
 */
export function mayJoinByShare(context: SessionSharing, userId: string): boolean {
  return context.shareable === true && !removedFrom(context).includes(userId);
}

/** What sharing decisions read of a session (the pool keeps it per session for placement). */
export type SessionSharing = Pick<SessionContext, 'shareable' | 'removed' | 'participants'>;

/** The sharing of a session just provisioned from `input` (what its first context says). */
export function sharingAtStart(input: Pick<SessionInput, 'owner' | 'at' | 'shareable'>): SessionSharing {
  return { shareable: input.shareable === true, removed: [], participants: [{ userId: input.owner, role: 'owner', joinedAt: input.at }] };
}

/** Whether `share` may hand `userId` this session: they take part in it already, or may join it on their own. */
export function mayShareInto(sharing: SessionSharing, userId: string): boolean {
  return roleOf(sharing, userId) !== null || mayJoinByShare(sharing, userId);
}

/** Whether `userId` may join as `role` (`via: 'share'`: on their own): not already in, not as owner, and invited or welcome. */
export function mayJoin(context: SessionContext, userId: string, role: ParticipantRole, via?: 'share'): boolean {
  return role !== 'owner' && roleOf(context, userId) === null && (via !== 'share' || mayJoinByShare(context, userId));
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
