/**
 * Which stored events an endpoint hears about, and what it is told: a pure map from one stored event to the
 * webhook notices it raises (usually none). The store is the source of truth, so a notice exists only for an event
 * that was appended. Fields are copied by name and only when they are ids, kinds or numbers: a payload never
 * carries message text, results, error text or tool input (those are encrypted at rest; a receiver reads them
 * through the API).
 *
 * - `turn.completed`: `TurnCompleted` with `isError: false`.
 * - `turn.failed`: `TurnCompleted` with `isError: true` (`reason: "error"`), or `TurnAborted` because the agent
 *   faulted (`agent-fault`) or the session failed (`failed`). Turns aborted by a terminate, a hibernation or a
 *   shutdown did not fail and raise nothing.
 * - `session.failed`: the session event that moved the session into its `failed` state (its metadata `to` is
 *   `failed`, `from` is not): too many faults and failed recoveries in a row. `RecoveryFailed` alone is one failed
 *   attempt the session may recover from; `SessionTerminated` is an ending someone asked for: neither raises it.
 * - `approval.requested`: `ToolApprovalRequested` (tool approvals).
 * - `budget.exhausted`: `BudgetExhausted` (tenant budgets), on whatever stream it is stored; its tenant is its
 *   data's `tenant`.
 */
import { BUDGET_EVENT, SESSION_OUTCOME_NAME, SESSION_PERSISTED_NAME, STREAM_PREFIX, WEBHOOK_KIND, type WebhookKind, type WebhookValue } from '../../machines/index.js';
import type { JsonValue, RecordedEvent } from '../store/index.js';

/** The session events that can move a session into `failed` (a fault, a fault deadline, a failed recovery). */
const ENTERS_FAILED: readonly string[] = [SESSION_PERSISTED_NAME.AGENT_FAULT, SESSION_PERSISTED_NAME.TIMER_ELAPSED, SESSION_PERSISTED_NAME.RECOVERY_FAILED];

/** Every stored event type that can raise a notice: the dispatcher's subscription filter. */
export const WEBHOOK_SOURCE_TYPES: readonly string[] = [
  SESSION_PERSISTED_NAME.TURN_COMPLETED,
  SESSION_OUTCOME_NAME.TURN_ABORTED,
  ...ENTERS_FAILED,
  SESSION_PERSISTED_NAME.APPROVAL_REQUESTED,
  BUDGET_EVENT.exhausted,
];

/** Reasons of a `TurnAborted` that mean the turn failed. */
const FAILED_ABORTS: readonly string[] = ['agent-fault', 'failed'];

/** One thing to tell endpoints, before tenant and endpoint filters. */
export interface WebhookNotice {
  readonly kind: WebhookKind;
  /** The session it concerns (its tenant is looked up), absent for a tenant-wide fact. */
  readonly sessionId?: string;
  /** The tenant when the event names it (budget events); otherwise the session's. */
  readonly tenant?: string;
  readonly data: { readonly [key: string]: WebhookValue };
}

type Fields = { readonly [key: string]: JsonValue };

const fieldsOf = (data: JsonValue): Fields => (typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Fields) : {});

/** The fields of `source` named in `keys` whose values are strings, numbers or booleans (nothing else is copied). */
function pick(source: Fields, keys: readonly string[]): { [key: string]: WebhookValue } {
  const picked: { [key: string]: WebhookValue } = {};
  for (const key of keys) {
    const value = source[key];
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) picked[key] = value;
  }
  return picked;
}

const USAGE_FIELDS = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheCreationTokens'] as const;
const APPROVAL_FIELDS = ['requestId', 'turnId', 'toolName', 'toolUseId'] as const;
const BUDGET_FIELDS = ['limit', 'window', 'used', 'max', 'resetsAt'] as const;

/** The notices raised by stored event `event` (none for most). */
export function webhookNotices(event: RecordedEvent): WebhookNotice[] {
  const data = fieldsOf(event.data);
  const sessionId = event.stream.startsWith(STREAM_PREFIX.session) ? event.stream.slice(STREAM_PREFIX.session.length) : undefined;
  const revision = Number(event.revision);
  if (event.type === BUDGET_EVENT.exhausted) {
    if (typeof data.tenant !== 'string') return [];
    const fromSession = typeof data.sessionId === 'string' ? { sessionId: data.sessionId } : {};
    return [{ kind: WEBHOOK_KIND.budgetExhausted, tenant: data.tenant, ...fromSession, data: pick(data, BUDGET_FIELDS) }];
  }
  if (sessionId === undefined) return [];
  const notices: WebhookNotice[] = [];
  if (event.type === SESSION_PERSISTED_NAME.TURN_COMPLETED && typeof data.turnId === 'string') {
    const usage = pick(fieldsOf(data.usage ?? null), USAGE_FIELDS);
    const common = { turnId: data.turnId, revision, ...pick(data, ['costUsd']), usage };
    notices.push(data.isError === true
      ? { kind: WEBHOOK_KIND.turnFailed, sessionId, data: { ...common, reason: 'error' } }
      : { kind: WEBHOOK_KIND.turnCompleted, sessionId, data: common });
  } else if (event.type === SESSION_OUTCOME_NAME.TURN_ABORTED && typeof data.turnId === 'string' && FAILED_ABORTS.includes(String(data.reason))) {
    notices.push({ kind: WEBHOOK_KIND.turnFailed, sessionId, data: { turnId: data.turnId, revision, reason: String(data.reason) } });
  } else if (event.type === SESSION_PERSISTED_NAME.APPROVAL_REQUESTED) {
    notices.push({ kind: WEBHOOK_KIND.approvalRequested, sessionId, data: { revision, ...pick(data, APPROVAL_FIELDS) } });
  }
  if (ENTERS_FAILED.includes(event.type) && event.metadata.to === 'failed' && event.metadata.from !== 'failed') {
    notices.push({ kind: WEBHOOK_KIND.sessionFailed, sessionId, data: { revision, cause: event.type, ...pick(data, ['fault']) } });
  }
  return notices;
}
