/**
 * Reading the `tenant-budgets` projection at a given time: a tenant's figures in the current UTC day and month
 * (a window that has passed reads as 0), its effective limits (configured, then run-time overrides), the first
 * limit it has reached, and what it may still spend. Pure: time is an argument.
 */
import type { BudgetLimitName, BudgetLimits } from '../machines/budget.events.js';
import { dayEndsAt, monthEndsAt, utcDayOf, utcMonthOf, type TenantUsage } from './tenant-budgets.js';

/** A tenant's figures as of one moment. */
export interface UsageNow {
  readonly usdDay: number;
  readonly usdMonth: number;
  readonly tokensDay: number;
  readonly tokensMonth: number;
  readonly live: number;
  /** When the day and month windows of that moment end (epoch ms). */
  readonly dayResetsAt: number;
  readonly monthResetsAt: number;
}

/** A limit the tenant has reached. */
export interface BudgetExhaustion {
  readonly limit: BudgetLimitName;
  readonly used: number;
  readonly max: number;
  /** When the limit's window ends; `null` for the live-session limit (it frees as sessions end or hibernate). */
  readonly resetsAt: number | null;
  /** The window it was reached in (see `BudgetExhaustedData.window`). */
  readonly window: number;
}

/** What the tenant may still use now; `null` where there is no limit. */
export interface BudgetRemaining {
  readonly usd: number | null;
  readonly tokens: number | null;
  readonly liveSessions: number | null;
}

/** `usage` (possibly none) as of `now`. */
export function usageAt(usage: TenantUsage | undefined, now: number): UsageNow {
  const day = utcDayOf(now);
  const month = utcMonthOf(now);
  const sameDay = usage !== undefined && usage.day === day;
  const sameMonth = usage !== undefined && usage.month === month;
  return {
    usdDay: sameDay ? usage.usdDay : 0,
    usdMonth: sameMonth ? usage.usdMonth : 0,
    tokensDay: sameDay ? usage.tokensDay : 0,
    tokensMonth: sameMonth ? usage.tokensMonth : 0,
    live: usage?.live ?? 0,
    dayResetsAt: dayEndsAt(day),
    monthResetsAt: monthEndsAt(month),
  };
}

/** The configured limits with the tenant's run-time overrides on top. */
export function effectiveLimits(configured: BudgetLimits, usage: TenantUsage | undefined): BudgetLimits {
  return usage === undefined || Object.keys(usage.overrides).length === 0 ? configured : { ...configured, ...usage.overrides };
}

/**
 * The first limit the tenant has reached as of `now`, or `null`: spending limits always, the live-session limit only
 * when `opening` (a session is about to be created or woken, which would take one more).
 */
export function budgetExhaustion(usage: TenantUsage | undefined, limits: BudgetLimits, now: number, opening: boolean): BudgetExhaustion | null {
  const figures = usageAt(usage, now);
  const day = utcDayOf(now);
  const month = utcMonthOf(now);
  const checks: ReadonlyArray<readonly [BudgetLimitName, number, number | null, number]> = [
    ['maxUsdPerDay', figures.usdDay, figures.dayResetsAt, day],
    ['maxUsdPerMonth', figures.usdMonth, figures.monthResetsAt, month],
    ['maxTokensPerDay', figures.tokensDay, figures.dayResetsAt, day],
    ['maxTokensPerMonth', figures.tokensMonth, figures.monthResetsAt, month],
  ];
  for (const [limit, used, resetsAt, window] of checks) {
    const max = limits[limit];
    if (max > 0 && used >= max) return { limit, used, max, resetsAt, window };
  }
  const maxLive = limits.maxLiveSessions;
  if (opening && maxLive > 0 && figures.live >= maxLive) return { limit: 'maxLiveSessions', used: figures.live, max: maxLive, resetsAt: null, window: usage?.liveChanges ?? 0 };
  return null;
}

const left = (max: number, used: number): number | null => (max > 0 ? Math.max(0, max - used) : null);
const least = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));

/** What the tenant may still spend and open as of `now`. */
export function budgetRemaining(usage: TenantUsage | undefined, limits: BudgetLimits, now: number): BudgetRemaining {
  const figures = usageAt(usage, now);
  return {
    usd: least(left(limits.maxUsdPerDay, figures.usdDay), left(limits.maxUsdPerMonth, figures.usdMonth)),
    tokens: least(left(limits.maxTokensPerDay, figures.tokensDay), left(limits.maxTokensPerMonth, figures.tokensMonth)),
    liveSessions: left(limits.maxLiveSessions, figures.live),
  };
}
