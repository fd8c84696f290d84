/**
 * An access decision handed to the pool with a command: the caller (the server's session-command path) decides
 * on the snapshot of the very actor the command then runs on, so the actor is loaded once and the pool decides no
 * permission of its own. A refusal comes back untouched, wrapped in {@link Refused}, beside the pool's own errors.
 */
import type { SnapshotFrom } from 'xstate';
import type { sessionMachine } from '../../../machines/index.js';

/** A session's snapshot, as an admission sees it. */
export type SessionSnapshot = SnapshotFrom<typeof sessionMachine>;

/**
 * Decides whether a command may run on the session in `snapshot`: `null` lets it run, anything else refuses it.
 * `beforeLoad`, when given, first judges what the pool's index knows without reading the store (the session's
 * tenant): a refusal there loads nothing, so a caller can never make the pool read another tenant's stream.
 */
export type Admission<E> = ((snapshot: SessionSnapshot) => E | null) & { readonly beforeLoad?: (session: { readonly tenant: string }) => E | null };

/** A command that its {@link Admission} refused: nothing was stored, the session was not woken. */
export interface Refused<E> {
  readonly kind: 'Refused';
  readonly refusal: E;
}

/** Whether `error` is an admission's refusal (rather than one of the pool's errors). */
export function isRefused<E>(error: { readonly kind: string }): error is Refused<E> {
  return error.kind === 'Refused';
}

/** {@link Refused} for a command given an admission; nothing for one without (`E` is `never`). */
export type RefusalOf<E> = [E] extends [never] ? never : Refused<E>;
