/**
 * What the server's decision points hand the audit writer: the actor of an {@link Identity} at an origin (a
 * request's id and remote address, or a WebSocket connection's), and the outcome of a decision, so each hook is
 * one `deps.audit.record(audited(action, identity, origin, …))` line. The session decisions' rules are in
 * `audit-hooks.ts`.
 */
import type { Result } from 'neverthrow';
import { AUDIT_OUTCOME, type AuditAction, type AuditActor, type AuditTarget } from '../../machines/index.js';
import type { AuditEntry } from '../audit/index.js';
import type { Identity } from './auth/identity.js';
import type { ApiError } from './errors.js';

/** Where a request came from: a REST {@link RequestContext} fits, and so does a WebSocket frame's. */
export interface AuditOrigin {
  readonly requestId?: string;
  readonly remoteAddress?: string;
}

/** The outcome part of an entry: a denial with its code and message. */
export interface AuditDecision {
  readonly outcome?: AuditEntry['outcome'];
  readonly reason?: string;
  readonly detail?: string;
}

/** The actor of `identity` (`null`: not authenticated) at `origin`. */
export function auditActor(identity: Identity | null, origin: AuditOrigin | undefined): AuditActor {
  return {
    userId: identity?.userId ?? null,
    tenant: identity?.tenant ?? null,
    role: identity?.role ?? null,
    via: identity?.via ?? null,
    keyId: identity?.keyId ?? null,
    address: origin?.remoteAddress ?? null,
  };
}

/** A denial by `error`: its code is the reason, its message the detail. */
export function deniedBy(error: ApiError): AuditDecision {
  return { outcome: AUDIT_OUTCOME.denied, reason: error.code, detail: error.message };
}

/** Allowed when `result` is ok, else denied by its error. */
export function decisionOf(result: Result<unknown, ApiError>): AuditDecision {
  return result.isOk() ? {} : deniedBy(result.error);
}

/** The entry of `action` by `identity` at `origin` on `target`, with `decision` (allowed by default). */
export function audited(action: AuditAction, identity: Identity | null, origin: AuditOrigin | undefined, target: AuditTarget = {}, decision: AuditDecision = {}): AuditEntry {
  return { action, actor: auditActor(identity, origin), target, requestId: origin?.requestId ?? null, ...decision };
}
