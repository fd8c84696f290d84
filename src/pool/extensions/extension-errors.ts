/**
 * Expected failures of the pool's extension points (custom pool handlers and message-processor plugins), as
 * one discriminated union keyed by `kind` (see {@link EXTENSION_ERROR_KIND}), with constructors, a guard that
 * looks at `kind` only, and a one-line description for logs and API errors. `HandlerFailed` and
 * `ProcessorFailed` double as {@link ExtensionFault}s: failures that are reported, not returned, where a
 * buggy extension must not stop the pool (lease hooks, agent output).
 */

/** Stable `kind` of every {@link ExtensionError}; import these, never retype them. */
export const EXTENSION_ERROR_KIND = {
  InvalidExtension: 'InvalidExtension',
  ExtensionExists: 'ExtensionExists',
  HandlerRejected: 'HandlerRejected',
  HandlerFailed: 'HandlerFailed',
  MessageRejected: 'MessageRejected',
  ProcessorFailed: 'ProcessorFailed',
} as const;

/** One of the values of {@link EXTENSION_ERROR_KIND}. */
export type ExtensionErrorKind = (typeof EXTENSION_ERROR_KIND)[keyof typeof EXTENSION_ERROR_KIND];

/** The hook names of handlers and processors, as they appear in errors and faults. */
export const EXTENSION_HOOK = {
  onCreate: 'onCreate',
  onAcquire: 'onAcquire',
  onRelease: 'onRelease',
  beforeMessage: 'beforeMessage',
  afterOutput: 'afterOutput',
} as const;

/** A pool handler's hook name. */
export type HandlerHook = typeof EXTENSION_HOOK.onCreate | typeof EXTENSION_HOOK.onAcquire | typeof EXTENSION_HOOK.onRelease;

/** A message processor's hook name. */
export type ProcessorHook = typeof EXTENSION_HOOK.beforeMessage | typeof EXTENSION_HOOK.afterOutput;

/** Code of a rejection built without one. */
export const DEFAULT_REJECTION_CODE = 'rejected';

/** A handler or processor was refused at registration: bad name, no hooks, or a hook that is not a function. */
export interface InvalidExtension {
  readonly kind: typeof EXTENSION_ERROR_KIND.InvalidExtension;
  readonly name: string;
  readonly reason: string;
}

/** A handler or processor of that name is already registered. */
export interface ExtensionExists {
  readonly kind: typeof EXTENSION_ERROR_KIND.ExtensionExists;
  readonly name: string;
}

/** A handler's `onCreate` turned the session request down (a policy decision, not a fault). */
export interface HandlerRejected {
  readonly kind: typeof EXTENSION_ERROR_KIND.HandlerRejected;
  readonly handler: string;
  readonly message: string;
  readonly code: string;
}

/** A handler's hook threw, rejected, timed out or returned something that is not a valid result. */
export interface HandlerFailed {
  readonly kind: typeof EXTENSION_ERROR_KIND.HandlerFailed;
  readonly handler: string;
  readonly hook: HandlerHook;
  readonly message: string;
}

/** A processor's `beforeMessage` turned the user message down. */
export interface MessageRejected {
  readonly kind: typeof EXTENSION_ERROR_KIND.MessageRejected;
  readonly processor: string;
  readonly message: string;
  readonly code: string;
}

/** A processor's hook threw, timed out or returned something that is not a valid message or chunk. */
export interface ProcessorFailed {
  readonly kind: typeof EXTENSION_ERROR_KIND.ProcessorFailed;
  readonly processor: string;
  readonly hook: ProcessorHook;
  readonly message: string;
}

/** Every expected failure of the extension points. */
export type ExtensionError = InvalidExtension | ExtensionExists | HandlerRejected | HandlerFailed | MessageRejected | ProcessorFailed;

/** A non-fatal failure: collected and reported (lease hooks, agent output), never returned as an error. */
export type ExtensionFault = HandlerFailed | ProcessorFailed;

const K = EXTENSION_ERROR_KIND;

/** Builds an {@link InvalidExtension}. */
export const invalidExtension = (name: string, reason: string): InvalidExtension => ({ kind: K.InvalidExtension, name, reason });
/** Builds an {@link ExtensionExists}. */
export const extensionExists = (name: string): ExtensionExists => ({ kind: K.ExtensionExists, name });
/** Builds a {@link HandlerRejected}. */
export const handlerRejected = (handler: string, message: string, code: string): HandlerRejected => ({
  kind: K.HandlerRejected,
  handler,
  message,
  code,
});
/** Builds a {@link HandlerFailed}. */
export const handlerFailed = (handler: string, hook: HandlerHook, message: string): HandlerFailed => ({
  kind: K.HandlerFailed,
  handler,
  hook,
  message,
});
/** Builds a {@link MessageRejected}. */
export const messageRejected = (processor: string, message: string, code: string): MessageRejected => ({
  kind: K.MessageRejected,
  processor,
  message,
  code,
});
/** Builds a {@link ProcessorFailed}. */
export const processorFailed = (processor: string, hook: ProcessorHook, message: string): ProcessorFailed => ({
  kind: K.ProcessorFailed,
  processor,
  hook,
  message,
});

const KINDS: ReadonlySet<string> = new Set(Object.values(K));

/** True for any {@link ExtensionError}, including one built by another copy of this module. */
export function isExtensionError(value: unknown): value is ExtensionError {
  if (typeof value !== 'object' || value === null) return false;
  const { kind } = value as { kind?: unknown };
  return typeof kind === 'string' && KINDS.has(kind);
}

/** One line describing the error for a terminal or a log message. */
export function describeExtensionError(error: ExtensionError): string {
  switch (error.kind) {
    case 'InvalidExtension':
      return `extension "${error.name}" refused: ${error.reason}`;
    case 'ExtensionExists':
      return `an extension named "${error.name}" is already registered`;
    case 'HandlerRejected':
      return `pool handler "${error.handler}" rejected the session request (${error.code}): ${error.message}`;
    case 'HandlerFailed':
      return `pool handler "${error.handler}" failed in ${error.hook}: ${error.message}`;
    case 'MessageRejected':
      return `message processor "${error.processor}" rejected the message (${error.code}): ${error.message}`;
    case 'ProcessorFailed':
      return `message processor "${error.processor}" failed in ${error.hook}: ${error.message}`;
  }
}
