/**
 * `GET /api/v1/audit` (admins only): a page of the audit log, oldest first, filtered by time range, actor, action
 * and tenant, continued with `cursor`. Bad filters are `400 validation_failed` naming the field. Reading the audit
 * log is itself recorded (`audit.read`).
 */
import { Type, type Static } from '@sinclair/typebox';
import { ok } from 'neverthrow';
import { AUDIT_ACTION, type AuditAction } from '../../../machines/index.js';
import { parseAuditCursor, parseAuditTime, readAuditPage, AUDIT_TIME_HINT } from '../../audit/index.js';
import { formatStoreError } from '../../store/index.js';
import type { ApiDeps } from '../api-deps.js';
import { audited } from '../audit-entry.js';
import { PERMISSION } from '../auth/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from '../errors.js';
import type { Route } from '../http/types.js';
import { storeUnavailableError } from '../pool-errors.js';
import { declareRoute } from './session-route.js';

/** Where the audit API lives. */
export const AUDIT_PATH = '/api/v1/audit';

/** Default and largest page. */
export const AUDIT_PAGE = { default: 100, max: 500 } as const;

/** How far back a query without `from` reads. */
const DEFAULT_RANGE_MS = 24 * 3_600_000;

const AuditQueryParams = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 64, description: `Start (inclusive): ${AUDIT_TIME_HINT}; default 24h ago.` })),
    to: Type.Optional(Type.String({ maxLength: 64, description: 'End (exclusive), same forms; default now.' })),
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Only events by this user id.' })),
    action: Type.Optional(Type.Unsafe<AuditAction>({ type: 'string', enum: Object.values(AUDIT_ACTION) })),
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Only events whose actor or target is of this tenant.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: AUDIT_PAGE.max, description: `Page size; default ${AUDIT_PAGE.default}.` })),
    cursor: Type.Optional(Type.String({ maxLength: 64, description: '`nextCursor` of the previous page.' })),
  },
  { additionalProperties: false },
);
type AuditQueryParams = Static<typeof AuditQueryParams>;

const invalidField = (field: string, message: string): ApiError => apiError(API_ERROR_CODES.validationFailed, `query field "${field}": ${message}`, { field });

/** The audit route. */
export function auditRoutes(deps: ApiDeps): Route[] {
  const { auth, store, clock, audit } = deps;
  return [
    declareRoute<never, typeof AuditQueryParams>(auth, {
      method: 'GET',
      pattern: AUDIT_PATH,
      permission: PERMISSION.readAudit,
      query: AuditQueryParams,
      docs: {
        summary: 'The audit log (admins): authentication failures, key, participant and session changes, reads of history and state',
        tags: ['audit'],
        responses: { 200: { description: 'Matching events, oldest first, and the cursor of the next page (`null` at the end)' } },
        errors: [403, 503],
      },
      handle: async ({ context, identity, query }) => {
        const q = query as AuditQueryParams;
        const now = clock.now();
        const from = q.from === undefined ? ok(now - DEFAULT_RANGE_MS) : parseAuditTime(q.from, now);
        const to = q.to === undefined ? ok(now + 1) : parseAuditTime(q.to, now);
        if (from.isErr()) return invalidField('from', `must be ${AUDIT_TIME_HINT}`);
        if (to.isErr()) return invalidField('to', `must be ${AUDIT_TIME_HINT}`);
        if (from.value >= to.value) return invalidField('to', 'must be after "from"');
        const cursor = q.cursor === undefined ? undefined : parseAuditCursor(q.cursor);
        if (cursor === null) return invalidField('cursor', 'not a cursor this server issued');
        const page = await readAuditPage(store, {
          from: from.value,
          to: to.value,
          limit: q.limit ?? AUDIT_PAGE.default,
          ...(q.actor === undefined ? {} : { actor: q.actor }),
          ...(q.action === undefined ? {} : { action: q.action }),
          ...(q.tenant === undefined ? {} : { tenant: q.tenant }),
          ...(cursor === undefined ? {} : { cursor }),
        });
        if (page.isErr()) return storeUnavailableError(`cannot read the audit log: ${formatStoreError(page.error)}`);
        audit.record(audited(AUDIT_ACTION.auditRead, identity, context, q.tenant === undefined ? {} : { tenant: q.tenant }));
        return { status: 200, headers: { 'cache-control': 'no-store' }, body: page.value };
      },
    }),
  ];
}
