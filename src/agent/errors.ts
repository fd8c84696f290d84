/**
 * The expected failures of the agent runner, as one discriminated union on `kind` (neverthrow values,
 * never thrown), and a one-line description of each for logs and API errors.
 */
import { describeAgentCommandError, type AgentCommandError } from './command.js';
import type { ProcessIdentity } from './process-identity.js';

/** Why an agent could not be started, written to or stopped. */
export type AgentError =
  | AgentCommandError
  | { readonly kind: 'InvalidTenantId'; readonly tenantId: string; readonly reason: string }
  | { readonly kind: 'InvalidLaunchOptions'; readonly reason: string }
  | { readonly kind: 'SpawnFailed'; readonly command: string; readonly reason: string }
  | { readonly kind: 'NotRunning'; readonly pid: number | undefined }
  | { readonly kind: 'StdinClosed'; readonly pid: number | undefined }
  | { readonly kind: 'ResumeFailed'; readonly sessionId: string; readonly errors: readonly string[] }
  | { readonly kind: 'StartFailed'; readonly reason: 'hang' | 'exit'; readonly detail: string; readonly exitCode?: number | null }
  | { readonly kind: 'RegistryFailed'; readonly path: string; readonly reason: string }
  | { readonly kind: 'RegistryInUse'; readonly path: string; readonly owner: ProcessIdentity };

/** The `kind` of an agent error. */
export type AgentErrorKind = AgentError['kind'];

/** A one-line description of `error`. */
export function describeAgentError(error: AgentError): string {
  switch (error.kind) {
    case 'AgentCommandNotFound':
      return describeAgentCommandError(error);
    case 'InvalidTenantId':
      return `invalid tenant id "${error.tenantId}": ${error.reason}`;
    case 'InvalidLaunchOptions':
      return `invalid agent launch options: ${error.reason}`;
    case 'SpawnFailed':
      return `could not start "${error.command}": ${error.reason}`;
    case 'NotRunning':
      return `agent process ${error.pid ?? '(never started)'} is not running`;
    case 'StdinClosed':
      return `agent process ${error.pid ?? '?'} no longer accepts input`;
    case 'ResumeFailed':
      return `could not resume session ${error.sessionId}: ${error.errors.join('; ') || 'unknown reason'}`;
    case 'StartFailed':
      return `agent did not start (${error.reason}): ${error.detail}`;
    case 'RegistryFailed':
      return `agent PID registry ${error.path}: ${error.reason}`;
    case 'RegistryInUse':
      return `agent PID registry ${error.path} belongs to the server with PID ${error.owner.pid}, which is still running`;
  }
}

/** Narrows an unknown value to an `AgentError` (a guard rather than `instanceof`). */
export function isAgentError(value: unknown): value is AgentError {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}
