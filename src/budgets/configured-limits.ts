/**
 * The limits `budgets` configures: `budgets.default` for every tenant, with the keys a `budgets.tenants` entry
 * names on top. Resolved once into a map, so a check costs one lookup. The configured tenants are also the only
 * ones with their own label in the per-tenant metrics (see `metricLabelOf`).
 */
import type { BudgetLimits } from '../../machines/index.js';
import type { ConfigValues } from '../config/index.js';

/** The `budgets` section of the configuration. */
export type BudgetsConfig = ConfigValues['budgets'];

/** The metric label every tenant not configured in `budgets.tenants` shares. */
export const OTHER_TENANT_LABEL = 'other';

type LimitKeys = Partial<Omit<BudgetsConfig['tenants'][number], 'tenant'>>;

function limitsOf(keys: LimitKeys, base: BudgetLimits): BudgetLimits {
  return {
    maxUsdPerDay: keys.max_usd_per_day ?? base.maxUsdPerDay,
    maxUsdPerMonth: keys.max_usd_per_month ?? base.maxUsdPerMonth,
    maxTokensPerDay: keys.max_tokens_per_day ?? base.maxTokensPerDay,
    maxTokensPerMonth: keys.max_tokens_per_month ?? base.maxTokensPerMonth,
    maxLiveSessions: keys.max_live_sessions ?? base.maxLiveSessions,
  };
}

const NONE: BudgetLimits = { maxUsdPerDay: 0, maxUsdPerMonth: 0, maxTokensPerDay: 0, maxTokensPerMonth: 0, maxLiveSessions: 0 };

/** The configured limits, by tenant. */
export interface ConfiguredLimits {
  /** The limits of `tenant` as configured (before run-time overrides). */
  of(tenant: string): BudgetLimits;
  /** The tenants listed in `budgets.tenants`, in order. */
  readonly tenants: readonly string[];
  /** `tenant` when it is configured, else {@link OTHER_TENANT_LABEL}: the bounded label of the per-tenant metrics. */
  metricLabelOf(tenant: string): string;
}

/** Resolves `budgets` once. */
export function configuredLimits(budgets: BudgetsConfig): ConfiguredLimits {
  const fallback = limitsOf(budgets.default, NONE);
  const byTenant = new Map(budgets.tenants.map((entry) => [entry.tenant, limitsOf(entry, fallback)]));
  const tenants = [...byTenant.keys()];
  return {
    of: (tenant) => byTenant.get(tenant) ?? fallback,
    tenants,
    metricLabelOf: (tenant) => (byTenant.has(tenant) && tenant !== OTHER_TENANT_LABEL ? tenant : OTHER_TENANT_LABEL),
  };
}
