import { okAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { BUDGET_EVENT, BUDGETS_STREAM, SESSION_PERSISTED_NAME as S } from '../../machines/index.js';
import { foldAll, tenantBudgetsProjection, type ProjectedEvent, type TenantBudgetsState } from '../../projections/index.js';
import { sessionStream } from '../../projections/testing/given-when-then.js';
import type { EventToAppend } from '../store/index.js';
import { configuredLimits, OTHER_TENANT_LABEL } from './configured-limits.js';
import { createTenantBudgets, MIN_CAP_USD } from './tenant-budgets.js';

const NOW = Date.UTC(2026, 11, 5, 12);
const NO_LIMITS = { max_usd_per_day: 0, max_usd_per_month: 0, max_tokens_per_day: 0, max_tokens_per_month: 0, max_live_sessions: 0 };

function spent(tenant: string, ...costs: number[]): ProjectedEvent[] {
  const s = sessionStream(`s-${tenant}`, tenant);
  return [s.provisioned(NOW), ...costs.map((costUsd, n) => s.next(S.TURN_COMPLETED, { at: NOW + n, turnId: `t${n}`, usage: { inputTokens: 1, outputTokens: 2 }, costUsd, isError: false }, 'busy', 'idle'))];
}

/** The service over a fixed state, recording what it appends. */
function budgetsOf(state: TenantBudgetsState, tenants: ReadonlyArray<{ tenant: string } & Partial<typeof NO_LIMITS>>, defaults: Partial<typeof NO_LIMITS> = {}) {
  const appended: EventToAppend[] = [];
  const budgets = createTenantBudgets({
    limits: configuredLimits({ default: { ...NO_LIMITS, ...defaults }, tenants: [...tenants] }),
    state: () => state,
    store: { append: (_stream, events) => (appended.push(...events), okAsync({ nextExpectedRevision: 0n, position: 1n })) },
    now: () => NOW,
  });
  return { budgets, appended };
}

describe('configured limits', () => {
  it('takes a listed tenant\'s keys over the defaults, and labels every other tenant "other"', () => {
    const limits = configuredLimits({ default: { ...NO_LIMITS, max_usd_per_day: 1, max_live_sessions: 3 }, tenants: [{ tenant: 'acme', max_usd_per_day: 5 }] });
    expect(limits.of('acme')).toEqual({ maxUsdPerDay: 5, maxUsdPerMonth: 0, maxTokensPerDay: 0, maxTokensPerMonth: 0, maxLiveSessions: 3 });
    expect(limits.of('globex')).toMatchObject({ maxUsdPerDay: 1, maxLiveSessions: 3 });
    expect([limits.metricLabelOf('acme'), limits.metricLabelOf('globex'), limits.metricLabelOf('constructor')]).toEqual(['acme', OTHER_TENANT_LABEL, OTHER_TENANT_LABEL]);
  });
});

describe('tenant budgets', () => {
  it('caps a process at what is left, rounded down to a millionth, and not at all without a USD limit', () => {
    const { budgets } = budgetsOf(foldAll(tenantBudgetsProjection, spent('acme', 0.2, 0.35)), [{ tenant: 'acme', max_usd_per_day: 5, max_usd_per_month: 4.6 }]);
    expect(budgets.capUsd('acme')).toBe(4.05);
    expect(budgetsOf(foldAll(tenantBudgetsProjection, spent('acme', 1 / 3)), [{ tenant: 'acme', max_usd_per_day: 1 }]).budgets.capUsd('acme')).toBe(0.666666);
    expect(budgets.capUsd('globex')).toBeNull();
  });

  it('never caps at 0, which the CLI refuses to start with: a spent tenant\'s process gets the smallest positive cap', () => {
    const { budgets } = budgetsOf(foldAll(tenantBudgetsProjection, spent('acme', 0.6)), [{ tenant: 'acme', max_usd_per_day: 0.5 }]);
    expect(budgets.capUsd('acme')).toBe(MIN_CAP_USD);
    expect(MIN_CAP_USD).toBeGreaterThan(0);
  });

  it('records BudgetExhausted once per limit and window, however often the tenant is refused', async () => {
    const { budgets, appended } = budgetsOf(foldAll(tenantBudgetsProjection, spent('acme', 0.6)), [{ tenant: 'acme', max_usd_per_day: 0.5 }]);
    expect(budgets.check('acme', false)).toMatchObject({ tenant: 'acme', exhaustion: { limit: 'maxUsdPerDay', used: 0.6, max: 0.5 }, remaining: { usd: 0 } });
    expect(budgets.check('acme', true)).not.toBeNull();
    budgets.observe({ stream: 'session-s-acme', type: S.TURN_COMPLETED });
    await Promise.resolve();
    expect(appended).toEqual([{ type: BUDGET_EVENT.exhausted, data: expect.objectContaining({ tenant: 'acme', limit: 'maxUsdPerDay', window: Math.floor(NOW / 86_400_000), at: NOW }), metadata: { at: NOW } }]);
  });

  it('records nothing once the projection holds the window\'s BudgetExhausted (after a restart, say)', () => {
    const day = Math.floor(NOW / 86_400_000);
    const noted: ProjectedEvent = { stream: BUDGETS_STREAM, type: BUDGET_EVENT.exhausted, revision: 0n, data: { tenant: 'acme', limit: 'maxUsdPerDay', used: 1, max: 0.5, resetsAt: 0, window: day, at: NOW }, metadata: { at: NOW } };
    const { budgets, appended } = budgetsOf(foldAll(tenantBudgetsProjection, [...spent('acme', 0.6), noted]), [{ tenant: 'acme', max_usd_per_day: 0.5 }]);
    expect(budgets.check('acme', false)).not.toBeNull();
    expect(appended).toEqual([]);
  });

  it('sums the metrics by bounded label, configured tenants at 0 from the start', () => {
    const state = foldAll(tenantBudgetsProjection, [...spent('globex', 0.25), ...spent('initech', 0.5)]);
    const { budgets } = budgetsOf(state, [{ tenant: 'acme' }]);
    expect(Object.fromEntries(budgets.metricTotals())).toEqual({
      acme: { costUsd: 0, inputTokens: 0, outputTokens: 0, liveSessions: 0 },
      other: { costUsd: 0.75, inputTokens: 2, outputTokens: 4, liveSessions: 2 },
    });
  });

  it('appends a run-time change as TenantBudgetChanged with who made it', async () => {
    const { budgets, appended } = budgetsOf(foldAll(tenantBudgetsProjection, []), []);
    expect((await budgets.change('acme', { maxUsdPerDay: 5, maxLiveSessions: null }, 'root'))._unsafeUnwrap()).toBe(1n);
    expect(appended).toEqual([{ type: BUDGET_EVENT.changed, data: { tenant: 'acme', limits: { maxUsdPerDay: 5, maxLiveSessions: null }, at: NOW, by: 'root' }, metadata: { at: NOW } }]);
  });
});
