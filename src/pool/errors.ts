/**
 * The session pool's expected failures, one discriminated union on `kind`, and a one-line description of
 * each. The HTTP layer maps kinds to status codes in one table.
 */
import { describeAgentError, type AgentError } from '../agent/index.js';
import { formatRuntimeError, type RuntimeError } from '../runtime/index.js';
import { describeExtensionError, type ExtensionError } from './extensions/extension-errors.js';

/** `kind` of every pool error. */
export const POOL_ERROR_KIND = {
  PoolClosed: 'PoolClosed',
  PoolExhausted: 'PoolExhausted',
  SessionNotFound: 'SessionNotFound',
  SessionClosed: 'SessionClosed',
  NotParticipant: 'NotParticipant',
  MessageRefused: 'MessageRefused',
  ApprovalNotPending: 'ApprovalNotPending',
  BreakerOpen: 'BreakerOpen',
  InvalidRequest: 'InvalidRequest',
  Timeout: 'Timeout',
  StoreUnreadable: 'StoreUnreadable',
  Agent: 'Agent',
  AgentStartFailed: 'AgentStartFailed',
  Runtime: 'Runtime',
  Extension: 'Extension',
} as const;

/** Why a pool operation failed. */
export type PoolError =
  | { readonly kind: typeof POOL_ERROR_KIND.PoolClosed }
  | { readonly kind: typeof POOL_ERROR_KIND.PoolExhausted; readonly live: number; readonly cap: number }
  | { readonly kind: typeof POOL_ERROR_KIND.SessionNotFound; readonly sessionId: string }
  | { readonly kind: typeof POOL_ERROR_KIND.SessionClosed; readonly sessionId: string; readonly state: string }
  | { readonly kind: typeof POOL_ERROR_KIND.NotParticipant; readonly sessionId: string; readonly userId: string; readonly action: string }
  | { readonly kind: typeof POOL_ERROR_KIND.MessageRefused; readonly sessionId: string; readonly reason: string }
  /** No tool approval `requestId` awaits an answer: it was answered first by someone else, expired, was cancelled, or never was. */
  | { readonly kind: typeof POOL_ERROR_KIND.ApprovalNotPending; readonly sessionId: string; readonly requestId: string }
  | { readonly kind: typeof POOL_ERROR_KIND.BreakerOpen; readonly breaker: string; readonly retryAt: number | null }
  | { readonly kind: typeof POOL_ERROR_KIND.InvalidRequest; readonly reason: string }
  | { readonly kind: typeof POOL_ERROR_KIND.StoreUnreadable; readonly reason: string }
  | { readonly kind: typeof POOL_ERROR_KIND.Timeout; readonly waitedFor: string; readonly timeoutMs: number }
  | { readonly kind: typeof POOL_ERROR_KIND.Agent; readonly error: AgentError }
  | {
      readonly kind: typeof POOL_ERROR_KIND.AgentStartFailed;
      readonly attempts: number;
      readonly reason: 'attempts_exhausted' | 'budget_exhausted';
      readonly error: AgentError;
    }
  | { readonly kind: typeof POOL_ERROR_KIND.Runtime; readonly error: RuntimeError }
  | { readonly kind: typeof POOL_ERROR_KIND.Extension; readonly error: ExtensionError };

/** A one-line description of `error`. */
export function describePoolError(error: PoolError): string {
  switch (error.kind) {
    case 'PoolClosed':
      return 'the session pool is shutting down';
    case 'PoolExhausted':
      return `no agent process available: ${error.live} of ${error.cap} are in use and none is idle`;
    case 'SessionNotFound':
      return `session ${error.sessionId} does not exist`;
    case 'SessionClosed':
      return `session ${error.sessionId} is ${error.state} and takes no more requests`;
    case 'NotParticipant':
      return `user ${error.userId} may not ${error.action} in session ${error.sessionId}`;
    case 'MessageRefused':
      return `session ${error.sessionId} refused the message: ${error.reason}`;
    case 'ApprovalNotPending':
      return `no tool approval ${error.requestId} is pending in session ${error.sessionId}: it was already decided (the first answer wins), expired or cancelled, or never existed`;
    case 'BreakerOpen':
      return `circuit breaker ${error.breaker} is open${error.retryAt === null ? '' : ` until ${new Date(error.retryAt).toISOString()}`}`;
    case 'InvalidRequest':
      return `invalid session request: ${error.reason}`;
    case 'StoreUnreadable':
      return error.reason;
    case 'Timeout':
      return `${error.waitedFor} did not happen within ${error.timeoutMs} ms`;
    case 'Agent':
      return describeAgentError(error.error);
    case 'AgentStartFailed':
      return `agent did not start after ${error.attempts} attempt(s) (${error.reason.replace('_', ' ')}): ${describeAgentError(error.error)}`;
    case 'Runtime':
      return formatRuntimeError(error.error);
    case 'Extension':
      return describeExtensionError(error.error);
  }
}

/** Wraps a runtime error. */
export const runtimeFailure = (error: RuntimeError): PoolError => ({ kind: POOL_ERROR_KIND.Runtime, error });
/** Wraps an agent error. */
export const agentFailure = (error: AgentError): PoolError => ({ kind: POOL_ERROR_KIND.Agent, error });
