/**
 * Custom pool handlers: named plugins with `onCreate` (rewrite or reject a session request before the pool
 * places it), `onAcquire` and `onRelease` (observe leases). The registry runs them in registration order, each
 * hook under a timeout that aborts its `signal`. `onCreate` failures stop the request; lease-hook failures are
 * collected as faults and never stop the pool. Also home of the pieces message processors share: the hook
 * context, the rejection value and {@link runHook}.
 */
import { err, ok, okAsync, ResultAsync, type Result } from 'neverthrow';
import {
  DEFAULT_REJECTION_CODE,
  EXTENSION_HOOK,
  extensionExists,
  handlerFailed,
  handlerRejected,
  invalidExtension,
  type ExtensionError,
  type ExtensionFault,
  type HandlerHook,
} from './extension-errors.js';
import { sessionRequestProblem, type SessionLease, type SessionRequest } from '../sessions/request.js';

/** What a hook is told besides its input: its own registered name, when it started, and its timeout signal. */
export interface HookContext {
  readonly handler: string;
  /** Epoch milliseconds when the hook was called. */
  readonly at: number;
  /** Aborted when the hook runs past the registry's timeout; its result is then ignored. */
  readonly signal: AbortSignal;
}

const REJECTION: unique symbol = Symbol.for('aicli.pool.HandlerRejection');

/** A hook's "no" to a request or message: a branded plain object, built by {@link rejectRequest}. */
export interface HandlerRejection {
  readonly [REJECTION]: true;
  readonly message: string;
  readonly code: string;
}

/** Builds a {@link HandlerRejection}; `code` is a stable, machine-readable reason (default `rejected`). */
export function rejectRequest(message: string, code: string = DEFAULT_REJECTION_CODE): HandlerRejection {
  return Object.freeze({ [REJECTION]: true as const, message: String(message), code: String(code) });
}

/** True for a {@link HandlerRejection}, including one built by another copy of this module (`Symbol.for` brand). */
export function isHandlerRejection(value: unknown): value is HandlerRejection {
  return typeof value === 'object' && value !== null && (value as { [REJECTION]?: unknown })[REJECTION] === true;
}

/** A custom pool handler: at least one hook. Hooks are called as methods, so class instances keep `this`. */
export interface PoolHandler {
  /** Returns the request to go on with (the same, or a rewritten copy), or a {@link HandlerRejection}. */
  onCreate?(request: SessionRequest, context: HookContext): SessionRequest | HandlerRejection | PromiseLike<SessionRequest | HandlerRejection>;
  /** A session was handed to a user. */
  onAcquire?(lease: SessionLease, context: HookContext): void | PromiseLike<void>;
  /** A user gave a session back. */
  onRelease?(lease: SessionLease, context: HookContext): void | PromiseLike<void>;
}

/** Options of {@link createHandlerRegistry} and `createProcessorChain`. */
export interface ExtensionOptions {
  /** Longest an async hook may take before its signal is aborted and it counts as failed (default 5000). */
  readonly hookTimeoutMs?: number;
  /** Clock for `HookContext.at` (default `Date.now`). */
  readonly now?: () => number;
}

/** Defaults of {@link ExtensionOptions}. */
export const EXTENSION_DEFAULTS = {
  hookTimeoutMs: 5_000,
} as const;

/** The registered handlers and the runs of their hooks; the pool calls these. */
export interface HandlerRegistry {
  /** Adds a handler under `name` (1–64 of `A-Za-z0-9_.-`), after those already registered. */
  register(name: string, handler: PoolHandler): Result<void, ExtensionError>;
  /** Removes a handler; false when none had that name. */
  unregister(name: string): boolean;
  /** Handler names in registration (and run) order. */
  names(): string[];
  /** Every `onCreate` in order, each seeing the previous one's output; stops at the first rejection or failure. */
  runCreate(request: SessionRequest): ResultAsync<SessionRequest, ExtensionError>;
  /** Every `onAcquire` in order; failures are collected, never thrown. */
  runAcquire(lease: SessionLease): Promise<ExtensionFault[]>;
  /** Every `onRelease` in order; failures are collected, never thrown. */
  runRelease(lease: SessionLease): Promise<ExtensionFault[]>;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Why `name` and `hooks` cannot be registered, or `null`. Shared with the processor chain: names are 1–64 of
 * `A-Za-z0-9_.-` (they end up in logs, metric labels and error payloads), at least one hook, hooks are functions.
 */
export function extensionProblem(name: unknown, extension: unknown, hooks: readonly string[]): ExtensionError | null {
  const shown = typeof name === 'string' ? name : String(name);
  if (typeof name !== 'string' || !NAME.test(name)) return invalidExtension(shown, 'name must be 1-64 letters, digits, ".", "_" or "-"');
  if (typeof extension !== 'object' || extension === null) return invalidExtension(name, 'must be an object');
  const present = hooks.filter((hook) => (extension as Record<string, unknown>)[hook] !== undefined);
  if (present.length === 0) return invalidExtension(name, `needs at least one of ${hooks.join(', ')}`);
  const notFunction = present.find((hook) => typeof (extension as Record<string, unknown>)[hook] !== 'function');
  if (notFunction !== undefined) return invalidExtension(name, `${notFunction} must be a function`);
  return null;
}

/** How a hook run ended: with its value, or with a one-line reason (threw, rejected, timed out). */
export type HookOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));

/**
 * Calls `hook` with a fresh {@link HookContext}. A synchronous result or throw is returned at once (no timer);
 * a promise gets `timeoutMs`, after which the context's signal is aborted and the outcome is a failure. The
 * timer is always cleared, and a late rejection of an abandoned promise is swallowed.
 */
export async function runHook<T>(
  name: string,
  timeoutMs: number,
  now: () => number,
  hook: (context: HookContext) => T | PromiseLike<T>,
): Promise<HookOutcome<T>> {
  const controller = new AbortController();
  let result: T | PromiseLike<T>;
  try {
    result = hook({ handler: name, at: now(), signal: controller.signal });
  } catch (cause) {
    return { ok: false, message: messageOf(cause) };
  }
  if (!isThenable(result)) return { ok: true, value: result };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<HookOutcome<T>>((resolve) => {
    timer = setTimeout(() => {
      const message = `timed out after ${timeoutMs} ms`;
      controller.abort(new Error(message));
      resolve({ ok: false, message });
    }, timeoutMs);
  });
  const settled = Promise.resolve(result).then(
    (value): HookOutcome<T> => ({ ok: true, value }),
    (cause: unknown): HookOutcome<T> => ({ ok: false, message: messageOf(cause) }),
  );
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** True for anything with a `then` method (a promise from any library). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** The options with defaults filled in; a timeout that is not a positive number is a bug in the caller. */
export function extensionSettings(options: ExtensionOptions): { readonly timeoutMs: number; readonly now: () => number } {
  const timeoutMs = options.hookTimeoutMs ?? EXTENSION_DEFAULTS.hookTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`hookTimeoutMs must be a positive number, got ${timeoutMs}`);
  return { timeoutMs, now: options.now ?? Date.now };
}

const HANDLER_HOOKS = [EXTENSION_HOOK.onCreate, EXTENSION_HOOK.onAcquire, EXTENSION_HOOK.onRelease] as const;

/** A new, empty {@link HandlerRegistry}. */
export function createHandlerRegistry(options: ExtensionOptions = {}): HandlerRegistry {
  const { timeoutMs, now } = extensionSettings(options);
  const handlers = new Map<string, PoolHandler>();

  async function create(initial: SessionRequest): Promise<Result<SessionRequest, ExtensionError>> {
    let request = initial;
    for (const [name, handler] of [...handlers]) {
      if (handler.onCreate === undefined) continue;
      const outcome = await runHook(name, timeoutMs, now, (context) => handler.onCreate!(request, context));
      if (!outcome.ok) return err(handlerFailed(name, EXTENSION_HOOK.onCreate, outcome.message));
      if (isHandlerRejection(outcome.value)) return err(handlerRejected(name, outcome.value.message, outcome.value.code));
      const problem = sessionRequestProblem(outcome.value);
      if (problem !== null) return err(handlerFailed(name, EXTENSION_HOOK.onCreate, `returned an invalid SessionRequest: ${problem}`));
      request = outcome.value;
    }
    return ok(request);
  }

  async function lease(hook: Exclude<HandlerHook, typeof EXTENSION_HOOK.onCreate>, leased: SessionLease): Promise<ExtensionFault[]> {
    const faults: ExtensionFault[] = [];
    for (const [name, handler] of [...handlers]) {
      if (handler[hook] === undefined) continue;
      const outcome = await runHook(name, timeoutMs, now, (context) => handler[hook]!(leased, context));
      if (!outcome.ok) faults.push(handlerFailed(name, hook, outcome.message));
    }
    return faults;
  }

  return {
    register(name, handler) {
      const problem = extensionProblem(name, handler, HANDLER_HOOKS);
      if (problem !== null) return err(problem);
      if (handlers.has(name)) return err(extensionExists(name));
      handlers.set(name, handler);
      return ok(undefined);
    },
    unregister: (name) => handlers.delete(name),
    names: () => [...handlers.keys()],
    runCreate(request) {
      if (handlers.size === 0) return okAsync(request);
      return new ResultAsync(create(request));
    },
    runAcquire: (leased) => lease(EXTENSION_HOOK.onAcquire, leased),
    runRelease: (leased) => lease(EXTENSION_HOOK.onRelease, leased),
  };
}
