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
  const { maxUsdPerDay, maxUsdPerMonth, maxTokensPerDay, maxTokensPerMonth, maxLiveSessions } = limits;
  // Every message is checked: a tenant without spending limits costs no date arithmetic.
  if (maxUsdPerDay > 0 || maxTokensPerDay > 0) {
    const day = utcDayOf(now);
    const sameDay = usage !== undefined && usage.day === day;
    const usd = sameDay ? usage.usdDay : 0;
    const tokens = sameDay ? usage.tokensDay : 0;
    if (maxUsdPerDay > 0 && usd >= maxUsdPerDay) return { limit: 'maxUsdPerDay', used: usd, max: maxUsdPerDay, resetsAt: dayEndsAt(day), window: day };
    if (maxTokensPerDay > 0 && tokens >= maxTokensPerDay) return { limit: 'maxTokensPerDay', used: tokens, max: maxTokensPerDay, resetsAt: dayEndsAt(day), window: day };
  }
  if (maxUsdPerMonth > 0 || maxTokensPerMonth > 0) {
    const month = utcMonthOf(now);
    const sameMonth = usage !== undefined && usage.month === month;
    const usd = sameMonth ? usage.usdMonth : 0;
    const tokens = sameMonth ? usage.tokensMonth : 0;
    if (maxUsdPerMonth > 0 && usd >= maxUsdPerMonth) return { limit: 'maxUsdPerMonth', used: usd, max: maxUsdPerMonth, resetsAt: monthEndsAt(month), window: month };
    if (maxTokensPerMonth > 0 && tokens >= maxTokensPerMonth) return { limit: 'maxTokensPerMonth', used: tokens, max: maxTokensPerMonth, resetsAt: monthEndsAt(month), window: month };
  }
  const live = usage?.live ?? 0;
  if (opening && maxLiveSessions > 0 && live >= maxLiveSessions) return { limit: 'maxLiveSessions', used: live, max: maxLiveSessions, resetsAt: null, window: usage?.liveChanges ?? 0 };
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
