/**
 * Per-tenant budgets: the one `budgets` stream and its events. Operators change a tenant's limits at run time
 * (`TenantBudgetChanged`, each limit a number or `null` for "back to the configured value"); the server records
 * when a tenant reaches a limit (`BudgetExhausted`, once per limit and window). What tenants spend is not here: it
 * is folded from each session's `TurnCompleted` by `projections/tenant-budgets.ts`.
 */

/** The stream holding every run-time budget change and every exhausted budget, in order. */
export const BUDGETS_STREAM = 'budgets';

/** Event types of {@link BUDGETS_STREAM}. */
export const BUDGET_EVENT = {
  changed: 'TenantBudgetChanged',
  exhausted: 'BudgetExhausted',
} as const;

/** The limits a tenant has; 0 means no limit. USD and tokens count per UTC day and per UTC month. */
export interface BudgetLimits {
  readonly maxUsdPerDay: number;
  readonly maxUsdPerMonth: number;
  /** Input plus output tokens. */
  readonly maxTokensPerDay: number;
  readonly maxTokensPerMonth: number;
  /** Sessions not hibernated, failed or terminated. */
  readonly maxLiveSessions: number;
}

/** The names of the limits, as events, errors and the API name them. */
export const BUDGET_LIMIT_NAMES = ['maxUsdPerDay', 'maxUsdPerMonth', 'maxTokensPerDay', 'maxTokensPerMonth', 'maxLiveSessions'] as const;

/** One of {@link BUDGET_LIMIT_NAMES}. */
export type BudgetLimitName = (typeof BUDGET_LIMIT_NAMES)[number];

/** Run-time overrides of a tenant's limits: a number replaces the configured value, `null` drops the override. */
export type BudgetOverrides = { readonly [name in BudgetLimitName]?: number | null };

/** Data of `TenantBudgetChanged`. */
export interface TenantBudgetChangedData {
  readonly tenant: string;
  readonly limits: BudgetOverrides;
  readonly at: number;
  /** Who changed it (a user id). */
  readonly by: string;
}

/** Data of `BudgetExhausted`: which limit the tenant reached, what it had used, and when that limit resets (`null`: when sessions end). */
export interface BudgetExhaustedData {
  readonly tenant: string;
  readonly limit: BudgetLimitName;
  readonly used: number;
  readonly max: number;
  readonly resetsAt: number | null;
  /** The window the limit was reached in (UTC day or month number, or the tenant's live-session change count). */
  readonly window: number;
  readonly at: number;
}
