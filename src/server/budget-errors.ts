/**
 * The answer to a request refused by a tenant's budget: `429 budget_exhausted`, naming the limit reached, what was
 * used, what is left and when the limit resets (with `retry-after` until then; none for the live-session limit,
 * which frees as sessions hibernate or end).
 */
import type { BudgetRefusal, TenantBudgets } from '../budgets/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from './errors.js';

const UNIT: Readonly<Record<string, string>> = {
  maxUsdPerDay: 'USD today (UTC)',
  maxUsdPerMonth: 'USD this month (UTC)',
  maxTokensPerDay: 'tokens today (UTC)',
  maxTokensPerMonth: 'tokens this month (UTC)',
  maxLiveSessions: 'live sessions',
};

/** The client-facing form of `refusal` at time `now`. */
export function budgetRefusalToApi(refusal: BudgetRefusal, now: number): ApiError {
  const { tenant, exhaustion, remaining } = refusal;
  const resetsAt = exhaustion.resetsAt === null ? null : new Date(exhaustion.resetsAt).toISOString();
  const when = resetsAt === null ? 'frees as its sessions hibernate or end' : `resets at ${resetsAt}`;
  const message = `tenant ${tenant} has reached its budget: ${String(exhaustion.used)} of ${String(exhaustion.max)} ${UNIT[exhaustion.limit] ?? exhaustion.limit} (${exhaustion.limit}); it ${when}`;
  const details = { tenant, limit: exhaustion.limit, used: exhaustion.used, max: exhaustion.max, remaining: { ...remaining }, resetsAt };
  const headers = exhaustion.resetsAt === null ? undefined : { 'retry-after': String(Math.max(1, Math.ceil((exhaustion.resetsAt - now) / 1000))) };
  return apiError(API_ERROR_CODES.budgetExhausted, message, details, headers);
}

/** The refusal of a request of `tenant` by its budget (`opening`: it would create or wake a session), or `null`. */
export function budgetProblem(budgets: TenantBudgets, tenant: string, opening: boolean, now: number): ApiError | null {
  const refusal = budgets.check(tenant, opening);
  return refusal === null ? null : budgetRefusalToApi(refusal, now);
}
