/**
 * Side effects: after an event is durable, the host performs the named actions XState's pure `transition`
 * returned. In XState 5.33 those are objects `{ type, params, info: { context, event, self, system }, exec }`, in
 * execution order; `exec` only runs the machine's own do-nothing default, so the host calls the implementation from its
 * handler table instead. `assign` and `enqueueActions` never appear (they are resolved into the snapshot, and what
 * `enqueueActions` enqueues appears as the named actions it enqueued). Built-ins appear as `xstate.*`: an
 * immediate `xstate.raise` was already processed inside the transition and `xstate.log` is skipped; any other
 * built-in (`sendTo`, `emit`, delayed `raise` ...) needs an interpreter the host does not have and is reported.
 * Handlers are started in order and not awaited: an effect usually sends a follow-up event to the same actor
 * (`spawnAgent` → `AGENT_SPAWNED`), which would deadlock behind its own queue.
 */
import type { AnyStateMachine } from 'xstate';
import { HOST_FAULT_KIND } from './constants.js';
import type { Commit, HostFault } from './observer.js';

/**
 * What an effect implementation knows about the commit that asked for it: the stream, the event's revision and
 * id (pass it as `causationId` of follow-up events), the snapshot right after it, and the `correlationId` to pass on.
 */
export interface EffectContext<TMachine extends AnyStateMachine = AnyStateMachine>
  extends Pick<Commit<TMachine>, 'stream' | 'revision' | 'eventId' | 'snapshot'> {
  readonly correlationId: string;
}

/** One side-effect implementation; a returned promise is watched for rejection, never awaited. */
export type EffectHandler<TParams, TMachine extends AnyStateMachine = AnyStateMachine> = (
  params: TParams,
  context: EffectContext<TMachine>,
) => void | PromiseLike<void>;

/** Implementations of a machine's named side-effect actions, by action name. */
export type EffectHandlers<TMachine extends AnyStateMachine = AnyStateMachine> = {
  readonly [action: string]: EffectHandler<never, TMachine>;
};

/** An action as XState's pure `transition` returns it (the parts the host reads). */
export interface ExecutableAction {
  readonly type: string;
  readonly params?: unknown;
}

/** A side effect the host performed. */
export interface EffectCall {
  readonly type: string;
  readonly params: unknown;
}

const BUILTIN_PREFIX = 'xstate.';

/** Built-ins whose work is already done (or is only logging) by the time `transition` returns. */
const isSettledBuiltin = ({ type, params }: ExecutableAction): boolean =>
  type === 'xstate.log' || (type === 'xstate.raise' && (params as { delay?: unknown } | undefined)?.delay === undefined);

/**
 * Starts the handler of every named action in order and returns what it started. Unsupported built-ins, actions
 * without a handler, handlers that throw and promises that reject are reported as faults; the rest still run.
 */
export function performEffects<TMachine extends AnyStateMachine>(
  actions: readonly ExecutableAction[],
  handlers: EffectHandlers<TMachine>,
  context: EffectContext<TMachine>,
  report: (fault: HostFault) => void,
): EffectCall[] {
  const performed: EffectCall[] = [];
  const { stream } = context;
  for (const action of actions) {
    if (isSettledBuiltin(action)) continue;
    const { type, params } = action;
    const handler = type.startsWith(BUILTIN_PREFIX) ? undefined : (handlers[type] as EffectHandler<unknown, TMachine> | undefined);
    if (handler === undefined) {
      report({ kind: HOST_FAULT_KIND.UnhandledAction, stream, action: type });
      continue;
    }
    performed.push({ type, params });
    const failed = (error: unknown): void => report({ kind: HOST_FAULT_KIND.EffectFailed, stream, action: type, error });
    try {
      const pending = handler(params, context);
      if (pending !== undefined && typeof pending.then === 'function') pending.then(undefined, failed);
    } catch (error) {
      failed(error);
    }
  }
  return performed;
}
