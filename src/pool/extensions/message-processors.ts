/**
 * Message-processor plugins: `beforeMessage` sees each user message before it is accepted and stored (it may
 * rewrite the text or reject the message), `afterOutput` sees each agent output chunk before it is stored and
 * streamed (it may rewrite or drop it). Inbound failures stop the message; outbound failures only skip the
 * buggy processor, because agent output must never be lost to a plugin. `afterOutput` is synchronous and the
 * chain keeps its per-chunk path free of allocation when nothing goes wrong.
 */
import { err, ok, okAsync, ResultAsync, type Result } from 'neverthrow';
import {
  EXTENSION_HOOK,
  extensionExists,
  messageRejected,
  processorFailed,
  type ExtensionError,
  type ExtensionFault,
} from './extension-errors.js';
import {
  extensionProblem,
  extensionSettings,
  isHandlerRejection,
  isThenable,
  runHook,
  type ExtensionOptions,
  type HandlerRejection,
  type HookContext,
} from './handlers.js';

/** A user message on its way into a session. */
export interface InboundMessage {
  readonly sessionId: string;
  readonly tenant: string;
  readonly userId: string;
  readonly text: string;
  /** The client's idempotency key, echoed in its acknowledgement. */
  readonly clientMsgId: string | null;
}

/** One piece of agent output on its way to the store and the clients. */
export interface OutboundChunk {
  readonly sessionId: string;
  readonly tenant: string;
  readonly turnId: string;
  readonly chunkType: string;
  readonly content: unknown;
}

/** What `afterOutput` is told besides the chunk: its own name (one frozen object per processor). */
export interface OutputContext {
  readonly processor: string;
}

/** A message-processor plugin: a name and at least one hook. Hooks are called as methods. */
export interface MessageProcessor {
  readonly name: string;
  /** Returns the message to go on with, or a `HandlerRejection` (see `rejectRequest`). */
  beforeMessage?(message: InboundMessage, context: HookContext): InboundMessage | HandlerRejection | PromiseLike<InboundMessage | HandlerRejection>;
  /** Returns the chunk to go on with, or `null` to drop it. Synchronous: it runs for every output line. */
  afterOutput?(chunk: OutboundChunk, context: OutputContext): OutboundChunk | null;
}

/** What {@link ProcessorChain.processOutbound} returns: the chunk to store (`null` when dropped) and any faults. */
export interface OutboundResult {
  readonly chunk: OutboundChunk | null;
  readonly faults: readonly ExtensionFault[];
}

/** The processors in use and the runs of their hooks; the pool calls these. */
export interface ProcessorChain {
  /** Adds a processor at the end of the chain (name rules as for pool handlers; duplicates refused). */
  use(processor: MessageProcessor): Result<void, ExtensionError>;
  /** Removes a processor; false when none had that name. */
  remove(name: string): boolean;
  /** Processor names in chain order. */
  names(): string[];
  /** Every `beforeMessage` in order; stops at the first rejection (`MessageRejected`) or failure (`ProcessorFailed`). */
  processInbound(message: InboundMessage): ResultAsync<InboundMessage, ExtensionError>;
  /** Every `afterOutput` in order; a failing processor is skipped and reported, `null` drops the chunk. */
  processOutbound(chunk: OutboundChunk): OutboundResult;
}

/** Why `value` may not replace `original` as the inbound message, or `null` when it may. */
export function inboundProblem(original: InboundMessage, value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const next = value as Partial<Record<keyof InboundMessage, unknown>>;
  if (typeof next.text !== 'string' || next.text.length === 0) return 'text must be a non-empty string';
  if (next.sessionId !== original.sessionId || next.tenant !== original.tenant || next.userId !== original.userId) {
    return 'sessionId, tenant and userId may not change';
  }
  if (next.clientMsgId !== original.clientMsgId) return 'clientMsgId may not change';
  return null;
}

/** Why `value` may not replace `original` as the outbound chunk, or `null` when it may (`null` itself is handled apart). */
export function outboundProblem(original: OutboundChunk, value: unknown): string | null {
  if (value === original) return null;
  if (typeof value !== 'object' || value === null) return 'not an object or null';
  if (isThenable(value)) return 'afterOutput must be synchronous, it returned a promise';
  const next = value as Partial<Record<keyof OutboundChunk, unknown>>;
  if (next.sessionId !== original.sessionId || next.tenant !== original.tenant || next.turnId !== original.turnId) {
    return 'sessionId, tenant and turnId may not change';
  }
  if (typeof next.chunkType !== 'string' || next.chunkType.length === 0) return 'chunkType must be a non-empty string';
  if (next.content === undefined) return 'content is missing';
  return null;
}

const NO_FAULTS: readonly ExtensionFault[] = Object.freeze([]);

const PROCESSOR_HOOKS = [EXTENSION_HOOK.beforeMessage, EXTENSION_HOOK.afterOutput] as const;

const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));

interface Step {
  readonly name: string;
  readonly processor: MessageProcessor;
}

interface OutputStep extends Step {
  readonly context: OutputContext;
}

/** A new, empty {@link ProcessorChain}. */
export function createProcessorChain(options: ExtensionOptions = {}): ProcessorChain {
  const { timeoutMs, now } = extensionSettings(options);
  const processors = new Map<string, MessageProcessor>();
  // Rebuilt (never mutated) on use/remove, so a run in progress keeps the list it started with.
  let inbound: readonly Step[] = [];
  let outbound: readonly OutputStep[] = [];

  function rebuild(): void {
    const all = [...processors].map(([name, processor]) => ({ name, processor }));
    inbound = all.filter(({ processor }) => processor.beforeMessage !== undefined);
    outbound = all
      .filter(({ processor }) => processor.afterOutput !== undefined)
      .map((step) => ({ ...step, context: Object.freeze({ processor: step.name }) }));
  }

  async function runInbound(steps: readonly Step[], initial: InboundMessage): Promise<Result<InboundMessage, ExtensionError>> {
    let message = initial;
    for (const { name, processor } of steps) {
      const outcome = await runHook(name, timeoutMs, now, (context) => processor.beforeMessage!(message, context));
      if (!outcome.ok) return err(processorFailed(name, EXTENSION_HOOK.beforeMessage, outcome.message));
      if (isHandlerRejection(outcome.value)) return err(messageRejected(name, outcome.value.message, outcome.value.code));
      const problem = inboundProblem(message, outcome.value);
      if (problem !== null) return err(processorFailed(name, EXTENSION_HOOK.beforeMessage, `returned an invalid message: ${problem}`));
      message = outcome.value;
    }
    return ok(message);
  }

  return {
    use(processor) {
      const name: unknown = typeof processor === 'object' && processor !== null ? processor.name : undefined;
      const problem = extensionProblem(name, processor, PROCESSOR_HOOKS);
      if (problem !== null) return err(problem);
      if (processors.has(processor.name)) return err(extensionExists(processor.name));
      processors.set(processor.name, processor);
      rebuild();
      return ok(undefined);
    },
    remove(name) {
      if (!processors.delete(name)) return false;
      rebuild();
      return true;
    },
    names: () => [...processors.keys()],
    processInbound(message) {
      return inbound.length === 0 ? okAsync(message) : new ResultAsync(runInbound(inbound, message));
    },
    processOutbound(chunk) {
      const steps = outbound;
      let current = chunk;
      let faults = NO_FAULTS as ExtensionFault[];
      for (let i = 0; i < steps.length; i++) {
        const { name, processor, context } = steps[i]!;
        let next: unknown;
        try {
          next = processor.afterOutput!(current, context);
        } catch (cause) {
          faults = withFault(faults, processorFailed(name, EXTENSION_HOOK.afterOutput, messageOf(cause)));
          continue;
        }
        if (next === null) return { chunk: null, faults };
        const problem = outboundProblem(current, next);
        if (problem === null) {
          current = next as OutboundChunk;
          continue;
        }
        // A promise returned by mistake must not end as an unhandled rejection.
        if (isThenable(next)) Promise.resolve(next).then(undefined, () => undefined);
        faults = withFault(faults, processorFailed(name, EXTENSION_HOOK.afterOutput, `returned an invalid chunk: ${problem}`));
      }
      return { chunk: current, faults };
    },
  };
}

function withFault(faults: ExtensionFault[], fault: ExtensionFault): ExtensionFault[] {
  if (faults === NO_FAULTS) return [fault];
  faults.push(fault);
  return faults;
}
