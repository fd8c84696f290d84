/**
 * The audit log: server-wide facts about who did (or tried to do) what, one `audit-<UTC day>` stream per day
 * (`audit-2026-12-04`) so operators can delete old days. Each event says who (user, tenant, role, how they
 * authenticated, key id, remote address), what (action, target), the outcome (allowed or denied, with a reason
 * code), the request id and the time; never a secret (no token, key or message text). `src/audit/` writes them,
 * the audit route and `aicli-api audit tail` read them.
 */

/** Stream-name prefix of the audit streams: `audit-YYYY-MM-DD` (UTC). */
export const AUDIT_STREAM_PREFIX = 'audit-';

/** The audit stream of the UTC day of `at` (epoch ms). */
export function auditStreamOf(at: number): string {
  return `${AUDIT_STREAM_PREFIX}${new Date(at).toISOString().slice(0, 10)}`;
}

/** The UTC day (`YYYY-MM-DD`) an audit stream name stands for, or `null` for any other name. */
export function auditDayOf(stream: string): string | null {
  const day = stream.startsWith(AUDIT_STREAM_PREFIX) ? stream.slice(AUDIT_STREAM_PREFIX.length) : '';
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : null;
}

/** What can be audited: the action names clients filter by, each with the (past-tense) event type stored for it. */
export const AUDIT_ACTION = {
  authFailed: 'auth.failed',
  accessDenied: 'access.denied',
  apiKeyCreated: 'api_key.created',
  apiKeyRevoked: 'api_key.revoked',
  apiKeysListed: 'api_key.listed',
  participantAdded: 'participant.added',
  participantRoleChanged: 'participant.role_changed',
  participantRemoved: 'participant.removed',
  sessionCreated: 'session.created',
  sessionJoined: 'session.joined',
  sessionTerminated: 'session.terminated',
  sessionStateRead: 'session.state_read',
  sessionHistoryRead: 'session.history_read',
  auditRead: 'audit.read',
  budgetChanged: 'budget.changed',
} as const;

/** One of {@link AUDIT_ACTION}'s values. */
export type AuditAction = (typeof AUDIT_ACTION)[keyof typeof AUDIT_ACTION];

/** The event type stored for each action. */
export const AUDIT_EVENT_TYPE: Readonly<Record<AuditAction, string>> = {
  'auth.failed': 'AuthenticationFailed',
  'access.denied': 'AccessDenied',
  'api_key.created': 'ApiKeyCreated',
  'api_key.revoked': 'ApiKeyRevoked',
  'api_key.listed': 'ApiKeysListed',
  'participant.added': 'ParticipantAdded',
  'participant.role_changed': 'ParticipantRoleChanged',
  'participant.removed': 'ParticipantRemoved',
  'session.created': 'SessionCreated',
  'session.joined': 'SessionJoined',
  'session.terminated': 'SessionTerminated',
  'session.state_read': 'SessionStateRead',
  'session.history_read': 'SessionHistoryRead',
  'audit.read': 'AuditRead',
  'budget.changed': 'BudgetChanged',
};

const ACTIONS: ReadonlySet<string> = new Set(Object.values(AUDIT_ACTION));

/** Whether `value` names an audit action. */
export function isAuditAction(value: string): value is AuditAction {
  return ACTIONS.has(value);
}

/** Whether the action was allowed or refused. */
export const AUDIT_OUTCOME = { allowed: 'allowed', denied: 'denied' } as const;

/** One of {@link AUDIT_OUTCOME}'s values. */
export type AuditOutcome = (typeof AUDIT_OUTCOME)[keyof typeof AUDIT_OUTCOME];

/** Who acted. Unknown parts are `null` (an authentication failure knows only the address). */
export interface AuditActor {
  readonly userId: string | null;
  readonly tenant: string | null;
  readonly role: string | null;
  /** How they authenticated: `jwt` (then `userId` is the token's subject), `api_key`, `open`; `null` when they did not. */
  readonly via: string | null;
  /** The run-time API key used, by id (never the key). */
  readonly keyId: string | null;
  /** The remote address of the connection. */
  readonly address: string | null;
}

/** What the action was about; only the fields that apply are present. */
export interface AuditTarget {
  readonly sessionId?: string;
  readonly stream?: string;
  readonly userId?: string;
  readonly role?: string;
  readonly keyId?: string;
  readonly revision?: number;
  readonly tenant?: string;
  /** The request refused for lacking a permission: `GET /api/v1/audit`. */
  readonly route?: string;
  /** The session command or action refused: `view`, `send`, `interrupt`, `terminate`, `manage`. */
  readonly command?: string;
}

/** Data of every audit event. */
export interface AuditEventData {
  readonly action: AuditAction;
  readonly outcome: AuditOutcome;
  /** A stable code for a denial (`unauthorized`, `forbidden`, `not_found` …); `null` when allowed. */
  readonly reason: string | null;
  /** A short human explanation of a denial (no secrets); `null` when there is none. */
  readonly detail: string | null;
  readonly actor: AuditActor;
  readonly target: AuditTarget;
  /** The `x-request-id` of the request, or the WebSocket frame's ref; `null` when there was none. */
  readonly requestId: string | null;
  /** Epoch ms of the (first) occurrence. */
  readonly at: number;
  /** How many identical occurrences this event stands for (authentication failures are coalesced per address and second). */
  readonly count: number;
}
