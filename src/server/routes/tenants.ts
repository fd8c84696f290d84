/**
 * `/api/v1/tenants/:tenant`: a tenant's budget usage (`GET …/usage`: its members see their own tenant, admins any;
 * another tenant is `404` as for a session), and run-time changes of its limits (`PUT …/budget`, admins only,
 * audited as `budget.changed`). A change is answered once the server's projection has folded it, so the next
 * request is judged by the new limits.
 */
import { Type, type Static } from '@sinclair/typebox';
import { AUDIT_ACTION, BUDGET_LIMIT_NAMES, isSafeSegment, type BudgetOverrides } from '../../../machines/index.js';
import type { TenantUsageReport } from '../../budgets/index.js';
import { foldedTo } from '../../projections/index.js';
import { formatStoreError } from '../../store/index.js';
import type { ApiDeps } from '../api-deps.js';
import { audited, decisionOf } from '../audit-entry.js';
import { PERMISSION, seesTenant } from '../auth/index.js';
import { API_ERROR_CODES as C, apiError } from '../errors.js';
import type { Route } from '../http/types.js';
import { storeUnavailableError } from '../pool-errors.js';
import { declareRoute } from './session-route.js';

/** Where the tenant API lives. */
export const TENANTS_PATH = '/api/v1/tenants';

/** How long a change waits for the projection to fold it before answering anyway (the change is stored). */
const FOLD_WAIT_MS = 5_000;

const TAGS = ['tenants'];

const LIMIT_DOCS = {
  maxUsdPerDay: 'USD per UTC day.',
  maxUsdPerMonth: 'USD per UTC month.',
  maxTokensPerDay: 'Input plus output tokens per UTC day.',
  maxTokensPerMonth: 'Input plus output tokens per UTC month.',
  maxLiveSessions: 'Sessions not hibernated, failed or terminated.',
} as const satisfies Readonly<Record<(typeof BUDGET_LIMIT_NAMES)[number], string>>;

const Limit = (name: keyof typeof LIMIT_DOCS) => Type.Number({ description: `${LIMIT_DOCS[name]} 0: no limit.` });
const Limits = Type.Object({
  maxUsdPerDay: Limit('maxUsdPerDay'),
  maxUsdPerMonth: Limit('maxUsdPerMonth'),
  maxTokensPerDay: Limit('maxTokensPerDay'),
  maxTokensPerMonth: Limit('maxTokensPerMonth'),
  maxLiveSessions: Limit('maxLiveSessions'),
});
const Remaining = Type.Object({
  usd: Type.Union([Type.Number(), Type.Null()], { description: 'USD left in the tighter of the day and month; null without a USD limit.' }),
  tokens: Type.Union([Type.Number(), Type.Null()], { description: 'Tokens left in the tighter of the day and month; null without a token limit.' }),
  liveSessions: Type.Union([Type.Number(), Type.Null()], { description: 'Sessions that may still be live; null without a limit.' }),
});

/** `GET …/usage`. */
export const TenantUsage = Type.Object({
  tenant: Type.String(),
  at: Type.String({ description: 'When the figures were read (ISO 8601, UTC).' }),
  limits: Limits,
  day: Type.Object({ usd: Type.Number(), tokens: Type.Number(), resetsAt: Type.String({ description: 'Next midnight UTC.' }) }),
  month: Type.Object({ usd: Type.Number(), tokens: Type.Number(), resetsAt: Type.String({ description: 'First of next month, 00:00 UTC.' }) }),
  liveSessions: Type.Number(),
  remaining: Remaining,
  totals: Type.Object({ usd: Type.Number(), inputTokens: Type.Number(), outputTokens: Type.Number(), turns: Type.Number() }, { description: 'Since the event log began.' }),
});

const NewLimit = (name: keyof typeof LIMIT_DOCS) =>
  Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1e12 }), Type.Null()], { description: `${LIMIT_DOCS[name]} 0: no limit; null: the configured value.` }));

/** `PUT …/budget`: the limits to change (at least one); `null` gives a limit back to its configured value. */
export const ChangeBudgetBody = Type.Object(
  {
    maxUsdPerDay: NewLimit('maxUsdPerDay'),
    maxUsdPerMonth: NewLimit('maxUsdPerMonth'),
    maxTokensPerDay: NewLimit('maxTokensPerDay'),
    maxTokensPerMonth: NewLimit('maxTokensPerMonth'),
    maxLiveSessions: NewLimit('maxLiveSessions'),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** The answer of both routes for `report`. */
export function tenantUsageView(report: TenantUsageReport): Static<typeof TenantUsage> {
  const iso = (at: number): string => new Date(at).toISOString();
  return {
    tenant: report.tenant,
    at: iso(report.at),
    limits: { ...report.limits },
    day: { usd: report.usage.usdDay, tokens: report.usage.tokensDay, resetsAt: iso(report.usage.dayResetsAt) },
    month: { usd: report.usage.usdMonth, tokens: report.usage.tokensMonth, resetsAt: iso(report.usage.monthResetsAt) },
    liveSessions: report.usage.live,
    remaining: { ...report.remaining },
    totals: { ...report.totals },
  };
}

const tenantNotFound = (tenant: string) => apiError(C.notFound, `no tenant ${tenant}`);

/** The tenant routes. */
export function tenantRoutes(deps: ApiDeps): Route[] {
  const { auth, budgets, projections, logger, audit } = deps;
  return [
    declareRoute(auth, {
      method: 'GET',
      pattern: `${TENANTS_PATH}/:tenant/usage`,
      permission: PERMISSION.readSessions,
      docs: {
        summary: 'A tenant\'s budget: what it spent today and this month (UTC), its limits, what is left and when each window resets',
        description: 'Members of the tenant see their own; admins any; another tenant is `404`.',
        tags: TAGS,
        params: { tenant: 'Tenant id' },
        responses: { 200: { description: 'The usage', schema: TenantUsage } },
        errors: [404],
      },
      handle: ({ context, identity }) => {
        const tenant = context.params['tenant'] ?? '';
        if (!isSafeSegment(tenant) || !seesTenant(identity, tenant)) return Promise.resolve(tenantNotFound(tenant));
        return Promise.resolve({ status: 200, body: tenantUsageView(budgets.usage(tenant)) });
      },
    }),
    declareRoute(auth, {
      method: 'PUT',
      pattern: `${TENANTS_PATH}/:tenant/budget`,
      permission: PERMISSION.manageBudgets,
      body: ChangeBudgetBody,
      docs: {
        summary: 'Change a tenant\'s limits at run time (admins): stored as `TenantBudgetChanged`, in force from this answer on',
        description: 'Limits not named keep their value; `null` gives a limit back to its configured value; 0 is no limit.',
        tags: TAGS,
        params: { tenant: 'Tenant id' },
        responses: { 200: { description: 'The tenant\'s usage under its new limits', schema: TenantUsage } },
        errors: [400, 403, 503],
      },
      handle: async ({ context, body, identity }) => {
        const tenant = context.params['tenant'] ?? '';
        if (!isSafeSegment(tenant)) return apiError(C.validationFailed, 'tenant must be 1-128 letters, digits, ".", "_" or "-"');
        const changed = await budgets.change(tenant, body satisfies BudgetOverrides, identity.userId);
        const answer = changed.mapErr((error) => storeUnavailableError(`cannot store the budget change: ${formatStoreError(error)}`));
        audit.record(audited(AUDIT_ACTION.budgetChanged, identity, context, { tenant }, decisionOf(answer)));
        if (answer.isErr()) return answer.error;
        if (!(await foldedTo(projections, answer.value, FOLD_WAIT_MS))) logger.warn({ tenant }, 'budgets: the change is stored but not yet folded');
        return { status: 200, body: tenantUsageView(budgets.usage(tenant)) };
      },
    }),
  ];
}
