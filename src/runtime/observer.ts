/**
 * What the host tells the outside world: `Commit`s (one per event appended to an actor stream), the
 * `HostObserver` interface that host-wide observers such as the inspector hook implement, and `HostFault`s —
 * failures after the append was durable that must not fail the send (an effect threw, a listener threw, a
 * snapshot or timer event could not be stored) and are reported instead.
 */
import type { AnyStateMachine, EventFromLogic, SnapshotFrom } from 'xstate';
import type { Deadline } from '../../machines/index.js';
import type { ActorKind } from './actor-kind.js';
import { HOST_FAULT_KIND as F } from './constants.js';
import type { RuntimeError } from './errors.js';

/** A recorded outcome stored with a commit's event (`TurnAborted`), right after it. */
export interface CommittedOutcome {
  readonly revision: bigint;
  readonly eventId: string;
  /** Persisted type. */
  readonly type: string;
  readonly data: unknown;
}

/** One event committed to an actor's stream (with the outcomes appended with it) and the snapshot it produced. */
export interface Commit<TMachine extends AnyStateMachine = AnyStateMachine> {
  readonly stream: string;
  /** Revision of the event itself; its outcomes follow it. */
  readonly revision: bigint;
  readonly eventId: string;
  /** Persisted (past-tense) type. */
  readonly type: string;
  readonly event: EventFromLogic<TMachine>;
  readonly before: SnapshotFrom<TMachine>;
  readonly snapshot: SnapshotFrom<TMachine>;
  /** False when another writer committed it and this process learned of it while resolving a conflict. */
  readonly local: boolean;
  /** The outcome events stored in the same append, in revision order (usually none). */
  readonly outcomes: readonly CommittedOutcome[];
}

/** The last revision a commit wrote: its last outcome's, or its event's. */
export function lastRevisionOf(commit: Pick<Commit, 'revision' | 'outcomes'>): bigint {
  return commit.outcomes.at(-1)?.revision ?? commit.revision;
}

/** An actor a host started hosting: freshly created, or restored from its stream. */
export interface HostedActor<TMachine extends AnyStateMachine = AnyStateMachine> {
  readonly stream: string;
  readonly kind: ActorKind<TMachine>;
  readonly revision: bigint;
  readonly snapshot: SnapshotFrom<TMachine>;
  readonly restored: boolean;
}

/** Host-wide observer; every method is optional and must not throw (a throw is reported as a fault). */
export interface HostObserver {
  actorStarted?(actor: HostedActor): void;
  committed?(commit: Commit): void;
  actorStopped?(actor: { readonly stream: string; readonly kind: ActorKind }): void;
  /** The host is closing; release connections. */
  close?(): void;
}

/** A failure the host reports instead of returning, because the event it concerns is already durable. */
export type HostFault =
  | { readonly kind: typeof F.EffectFailed; readonly stream: string; readonly action: string; readonly error: unknown }
  | { readonly kind: typeof F.UnhandledAction; readonly stream: string; readonly action: string }
  | { readonly kind: typeof F.ObserverFailed; readonly stream: string; readonly error: unknown }
  | { readonly kind: typeof F.SnapshotFailed; readonly stream: string; readonly error: RuntimeError }
  | { readonly kind: typeof F.TimerFailed; readonly stream: string; readonly deadline: Deadline; readonly error: RuntimeError }
  | { readonly kind: typeof F.ReplayDrift; readonly stream: string; readonly revision: bigint; readonly type: string };

/** Reports a fault as a process warning: the default when the host is given no `onFault`. */
export function warnFault(fault: HostFault): void {
  const { kind, stream } = fault;
  process.emitWarning(`${stream}: ${kind}${'action' in fault ? ` (${fault.action})` : ''}`, { code: `AICLI_RUNTIME_${kind.toUpperCase()}` });
}

/** Calls `notify`, turning a throw into an `ObserverFailed` fault. */
export function guarded(stream: string, report: (fault: HostFault) => void, notify: () => void): void {
  try {
    notify();
  } catch (error) {
    report({ kind: F.ObserverFailed, stream, error });
  }
}
