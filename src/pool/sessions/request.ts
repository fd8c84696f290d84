/**
 * What the pool's extension points see of a session: the request to create (or place) one, and the lease that
 * hands one to a user. Plain readonly data; {@link sessionRequestProblem} checks the shape of a request that a
 * handler returned, since handlers are third-party code and TypeScript types do not survive `any`.
 */
import { isSafeSegment, type AgentOptions, type ApprovalRule, type ForkOrigin, type PermissionMode, type SessionLimits } from '../../../machines/index.js';

/** A request for a session, as pool handlers see and may rewrite it. */
export interface SessionRequest {
  readonly tenant: string;
  readonly userId: string;
  readonly options: AgentOptions;
  readonly limits: Partial<SessionLimits>;
  readonly metadata: Readonly<Record<string, string>>;
  /** Whether other users of the tenant may join the new session on their own (`share`); absent: by invitation only. */
  readonly shareable?: boolean;
  /** The session and revision this one is forked from, and the conversation its agent starts with; absent: a new one. */
  readonly forkedFrom?: ForkOrigin;
  /** The session's own tool approval rules (tried before the configured ones). */
  readonly approvalRules?: readonly ApprovalRule[];
}

/** A session handed to a user: from the warm pool, freshly started (`cold`), or one the user already held. */
export interface SessionLease {
  readonly sessionId: string;
  readonly tenant: string;
  readonly userId: string;
  readonly request: SessionRequest;
  readonly source: 'warm' | 'cold' | 'existing';
  /** Epoch milliseconds. */
  readonly acquiredAt: number;
}

const PERMISSION_MODES: ReadonlySet<PermissionMode> = new Set<PermissionMode>(['default', 'acceptEdits', 'bypassPermissions', 'plan']);

const LIMIT_KEYS: ReadonlySet<string> = new Set<keyof SessionLimits>([
  'startTimeoutMs',
  'turnTimeoutMs',
  'stallTimeoutMs',
  'interruptGraceMs',
  'idleTimeoutMs',
  'recoveryTimeoutMs',
  'maxConsecutiveFailures',
  'maxQueuedMessages',
  'approvalTimeoutMs',
]);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isStringOrNull = (value: unknown): boolean => value === null || typeof value === 'string';

function optionsProblem(options: unknown): string | null {
  if (!isRecord(options)) return 'options must be an object';
  if (!isStringOrNull(options['model'])) return 'options.model must be a string or null';
  if (typeof options['cwd'] !== 'string') return 'options.cwd must be a string';
  if (!PERMISSION_MODES.has(options['permissionMode'] as PermissionMode)) return `options.permissionMode must be one of ${[...PERMISSION_MODES].join(', ')}`;
  const tools = options['allowedTools'];
  if (!Array.isArray(tools) || !tools.every((tool) => typeof tool === 'string')) return 'options.allowedTools must be an array of strings';
  if (!isStringOrNull(options['systemPrompt'])) return 'options.systemPrompt must be a string or null';
  return null;
}

function limitsProblem(limits: unknown): string | null {
  if (!isRecord(limits)) return 'limits must be an object';
  for (const [key, value] of Object.entries(limits)) {
    if (!LIMIT_KEYS.has(key)) return `limits.${key} is not a session limit`;
    if (value === undefined || (value === null && key === 'idleTimeoutMs')) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return `limits.${key} must be a non-negative number`;
  }
  return null;
}

function forkedFromProblem(origin: unknown): string | null {
  if (!isRecord(origin)) return 'forkedFrom must be an object';
  if (!isNonEmptyString(origin['sessionId'])) return 'forkedFrom.sessionId must be a non-empty string';
  const revision = origin['revision'];
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) return 'forkedFrom.revision must be a non-negative integer';
  const claude = origin['claudeSessionId'];
  const message = origin['messageUuid'];
  if (!isStringOrNull(claude) || !isStringOrNull(message) || (claude === null) !== (message === null)) {
    return 'forkedFrom.claudeSessionId and forkedFrom.messageUuid must be both strings or both null';
  }
  return null;
}

/**
 * Why `value` is not a valid {@link SessionRequest}, or `null` when it is. The tenant must stay a safe path
 * segment (it is joined to directory roots, see `tenantDirs`); metadata values must be strings.
 */
export function sessionRequestProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'not an object';
  if (!isNonEmptyString(value['tenant']) || !isSafeSegment(value['tenant'])) return 'tenant must be a safe, non-empty path segment';
  if (!isNonEmptyString(value['userId'])) return 'userId must be a non-empty string';
  const problem = optionsProblem(value['options']) ?? limitsProblem(value['limits']);
  if (problem !== null) return problem;
  if (value['shareable'] !== undefined && typeof value['shareable'] !== 'boolean') return 'shareable must be a boolean';
  if (value['forkedFrom'] !== undefined) {
    const problem = forkedFromProblem(value['forkedFrom']);
    if (problem !== null) return problem;
  }
  const rules = value['approvalRules'];
  if (rules !== undefined && (!Array.isArray(rules) || !rules.every((rule) => isRecord(rule) && isNonEmptyString(rule['tool']) && ['allow', 'deny', 'ask'].includes(rule['action'] as string)))) {
    return 'approvalRules must be a list of {tool, action, path?, command?, name?}';
  }
  const metadata = value['metadata'];
  if (!isRecord(metadata) || !Object.values(metadata).every((entry) => typeof entry === 'string')) return 'metadata must be an object of strings';
  return null;
}
