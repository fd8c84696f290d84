/**
 * The state values of the session machine, as data: the runtime, projections and the awaits table
 * name states through this list and type, never by retyping strings.
 */

/** Every state of the session machine, in document order. */
export const SESSION_STATES = [
  'provisioning',
  'starting',
  'ready',
  'busy',
  'awaitingApproval',
  'interrupting',
  'idle',
  'hibernated',
  'resuming',
  'recovering',
  'failed',
  'terminated',
] as const;

/** A state value of the session machine (the machine is flat, so values are plain strings). */
export type SessionStateValue = (typeof SESSION_STATES)[number];

/** States in which a message starts a turn at once instead of waiting in the queue. */
export const TURN_TAKING_STATES: readonly SessionStateValue[] = ['ready', 'idle'];

/** States that accept no message: the session is over or given up on. */
export const CLOSED_STATES: readonly SessionStateValue[] = ['failed', 'terminated'];
