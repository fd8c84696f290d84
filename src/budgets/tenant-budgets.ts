/**
 * Per-tenant budgets at run time: the checks the server makes before a session is created or woken and before each
 * turn, the USD cap a new agent process gets (`--max-budget-usd`), a tenant's usage, and run-time limit changes.
 * Every read is of the `tenant-budgets` projection (one lookup per check; never the store). When a tenant reaches a
 * limit, `BudgetExhausted` is appended once per limit and window: on a refused request, and when a turn's result
 * takes the tenant to a spending limit (`watch`).
 */
import type { ResultAsync } from 'neverthrow';
import {
  BUDGET_EVENT,
  BUDGETS_STREAM,
  SESSION_PERSISTED_NAME,
  STREAM_PREFIX,
  type BudgetExhaustedData,
  type BudgetLimits,
  type BudgetOverrides,
  type TenantBudgetChangedData,
} from '../../machines/index.js';
import {
  budgetExhaustion,
  budgetRemaining,
  effectiveLimits,
  idMapGet,
  TENANT_BUDGETS,
  tenantUsageOf,
  usageAt,
  type BudgetExhaustion,
  type BudgetRemaining,
  type TenantBudgetsState,
  type UsageNow,
} from '../../projections/index.js';
import { EXPECTED_REVISION, type EventStore, type RecordedEvent, type StoreError } from '../store/index.js';
import { configuredLimits, type BudgetsConfig, type ConfiguredLimits } from './configured-limits.js';

/** A request refused because the tenant reached a limit. */
export interface BudgetRefusal {
  readonly tenant: string;
  readonly exhaustion: BudgetExhaustion;
  readonly remaining: BudgetRemaining;
}

/** A tenant's usage as the usage route shows it. */
export interface TenantUsageReport {
  readonly tenant: string;
  readonly at: number;
  readonly limits: BudgetLimits;
  readonly usage: UsageNow;
  readonly remaining: BudgetRemaining;
  readonly totals: { readonly usd: number; readonly inputTokens: number; readonly outputTokens: number; readonly turns: number };
}

/** Per-tenant totals for the metrics, by bounded label. */
export interface TenantMetricTotals {
  readonly costUsd: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly liveSessions: number;
}

/** What the budgets read and write. */
export interface TenantBudgetsDeps {
  readonly limits: ConfiguredLimits;
  /** The `tenant-budgets` projection's current state. */
  readonly state: () => TenantBudgetsState;
  readonly store: Pick<EventStore, 'append'>;
  readonly now: () => number;
  /** Told when a `BudgetExhausted` could not be stored (the refusal stands). */
  readonly onStoreError?: (error: StoreError) => void;
}

/** The budgets service (see the module comment). */
export interface TenantBudgets {
  /** The limit `tenant` has reached, or `null`; `opening` when the request would create or wake a session. */
  check(tenant: string, opening: boolean): BudgetRefusal | null;
  /** What a new agent process of `tenant` may spend (`--max-budget-usd`), or `null` without a USD limit. */
  capUsd(tenant: string): number | null;
  /** `tenant`'s usage, limits and what is left. */
  usage(tenant: string): TenantUsageReport;
  /** Appends `TenantBudgetChanged`; resolves to the log position of the event. */
  change(tenant: string, limits: BudgetOverrides, by: string): ResultAsync<bigint, StoreError>;
  /** Per-tenant totals by metric label: the configured tenants (at 0 when idle) and `other`. */
  metricTotals(): ReadonlyMap<string, TenantMetricTotals>;
  /** Appends `BudgetExhausted` when `event` (a turn's result) took its tenant to a spending limit. */
  observe(event: Pick<RecordedEvent, 'stream' | 'type'>): void;
}

/** Whether `limits` can refuse anything (the live-session limit only for a request that opens a session). */
const limitsAnything = (limits: BudgetLimits, opening: boolean): boolean =>
  limits.maxUsdPerDay > 0 || limits.maxUsdPerMonth > 0 || limits.maxTokensPerDay > 0 || limits.maxTokensPerMonth > 0 || (opening && limits.maxLiveSessions > 0);

/** USD caps are passed to the CLI with this many decimals, rounded down. */
const CAP_DECIMALS = 1e6;
/** The smallest cap passed: the CLI takes only positive amounts. */
export const MIN_CAP_USD = 1 / CAP_DECIMALS;

/** Builds the budgets over the projection's state. */
export function createTenantBudgets(deps: TenantBudgetsDeps): TenantBudgets {
  const { limits, state, now } = deps;
  /** `tenant/limit/window` of `BudgetExhausted` events appended and not yet folded. */
  const recording = new Set<string>();

  const record = (tenant: string, exhaustion: BudgetExhaustion): void => {
    const usage = tenantUsageOf(state(), tenant);
    if (usage?.exhausted[exhaustion.limit] === exhaustion.window) return;
    const key = `${tenant}/${exhaustion.limit}/${exhaustion.window}`;
    if (recording.has(key)) return;
    recording.add(key);
    const at = now();
    const data: BudgetExhaustedData = { tenant, ...exhaustion, at };
    void deps.store
      .append(BUDGETS_STREAM, [{ type: BUDGET_EVENT.exhausted, data: { ...data }, metadata: { at } }], { expectedRevision: EXPECTED_REVISION.any })
      .match(
        // Folded soon after; the projection then answers for it (the key can go: windows only grow).
        () => setTimeout(() => recording.delete(key), 60_000).unref(),
        (error) => {
          recording.delete(key);
          deps.onStoreError?.(error);
        },
      );
  };

  const check = (tenant: string, opening: boolean): BudgetRefusal | null => {
    const usage = tenantUsageOf(state(), tenant);
    const effective = effectiveLimits(limits.of(tenant), usage);
    if (!limitsAnything(effective, opening)) return null;
    const at = now();
    const exhaustion = budgetExhaustion(usage, effective, at, opening);
    if (exhaustion === null) return null;
    record(tenant, exhaustion);
    return { tenant, exhaustion, remaining: budgetRemaining(usage, effective, at) };
  };

  return {
    check,
    capUsd(tenant) {
      const usage = tenantUsageOf(state(), tenant);
      const usd = budgetRemaining(usage, effectiveLimits(limits.of(tenant), usage), now()).usd;
      if (usd === null) return null;
      // Rounded down (never more than is left), past the float noise of sums such as 5 - 0.55; never 0, which the CLI
      // refuses to start with ("must be a positive number greater than 0"): a process of a spent tenant (a recovery, a
      // prewarm) starts and stops its first turn on the budget instead of failing to start and tripping the spawn breaker.
      return Math.max(MIN_CAP_USD, Math.floor(usd * CAP_DECIMALS + 1e-6) / CAP_DECIMALS);
    },
    usage(tenant) {
      const usage = tenantUsageOf(state(), tenant);
      const effective = effectiveLimits(limits.of(tenant), usage);
      const at = now();
      return {
        tenant,
        at,
        limits: effective,
        usage: usageAt(usage, at),
        remaining: budgetRemaining(usage, effective, at),
        totals: { usd: usage?.usdTotal ?? 0, inputTokens: usage?.inputTokensTotal ?? 0, outputTokens: usage?.outputTokensTotal ?? 0, turns: usage?.turns ?? 0 },
      };
    },
    change(tenant, overrides, by) {
      const at = now();
      const data: TenantBudgetChangedData = { tenant, limits: overrides, at, by };
      return deps.store
        .append(BUDGETS_STREAM, [{ type: BUDGET_EVENT.changed, data: { ...data, limits: { ...overrides } }, metadata: { at } }], { expectedRevision: EXPECTED_REVISION.any })
        .map((appended) => appended.position);
    },
    metricTotals() {
      const totals = new Map<string, TenantMetricTotals>();
      for (const tenant of limits.tenants) totals.set(limits.metricLabelOf(tenant), { costUsd: 0, inputTokens: 0, outputTokens: 0, liveSessions: 0 });
      for (const [tenant, usage] of Object.entries(state().tenants)) {
        const label = limits.metricLabelOf(tenant);
        const known = totals.get(label) ?? { costUsd: 0, inputTokens: 0, outputTokens: 0, liveSessions: 0 };
        totals.set(label, {
          costUsd: known.costUsd + usage.usdTotal,
          inputTokens: known.inputTokens + usage.inputTokensTotal,
          outputTokens: known.outputTokens + usage.outputTokensTotal,
          liveSessions: known.liveSessions + usage.live,
        });
      }
      return totals;
    },
    observe(event) {
      if (event.type !== SESSION_PERSISTED_NAME.TURN_COMPLETED || !event.stream.startsWith(STREAM_PREFIX.session)) return;
      const session = idMapGet(state().sessions, event.stream.slice(STREAM_PREFIX.session.length));
      if (session !== undefined) check(session.tenant, false);
    },
  };
}

/** A projection host that folds `tenant-budgets` (the server's store projections). */
export interface BudgetsHost {
  state(name: typeof TENANT_BUDGETS): TenantBudgetsState;
}

/** The budgets of `config` over the server's projections and store: how the server and the test servers build them. */
export function budgetsOver(config: BudgetsConfig, host: BudgetsHost, store: Pick<EventStore, 'append'>, now: () => number, onStoreError?: (error: StoreError) => void): TenantBudgets {
  return createTenantBudgets({ limits: configuredLimits(config), state: () => host.state(TENANT_BUDGETS), store, now, ...(onStoreError === undefined ? {} : { onStoreError }) });
}
