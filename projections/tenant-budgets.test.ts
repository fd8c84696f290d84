import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUDGET_EVENT, BUDGETS_STREAM, type BudgetLimits } from '../machines/budget.events.js';
import { SESSION_PERSISTED_NAME as S } from '../machines/session.events.js';
import { RUNTIME_EVENT_TYPE, STREAM_PREFIX } from '../machines/streams.js';
import { foldAll, type ProjectedEvent } from './event.js';
import { idMapValues } from './id-map.js';
import { applyTenantBudgets, initialTenantBudgets, tenantBudgetsProjection, tenantUsageOf, utcDayOf, utcMonthOf } from './tenant-budgets.js';
import { budgetExhaustion, budgetRemaining, effectiveLimits, usageAt } from './tenant-budgets.query.js';
import { assertResumableFold, sessionStream, specFor, streamWriter } from './testing/given-when-then.js';
import { storeHistory } from './testing/arbitraries.js';

const T0 = Date.UTC(2026, 11, 31, 22, 0, 0); // two hours before a new day, month and year
const HOUR = 3_600_000;
const NO_LIMITS: BudgetLimits = { maxUsdPerDay: 0, maxUsdPerMonth: 0, maxTokensPerDay: 0, maxTokensPerMonth: 0, maxLiveSessions: 0 };

const turn = (at: number, costUsd: unknown, inputTokens = 10, outputTokens = 20) => ({ at, turnId: `t${at}`, usage: { inputTokens, outputTokens, cacheReadTokens: 0, cacheCreationTokens: 0 }, costUsd, isError: false });

// ---------------------------------------------------------------------------------------------------------------
// A generator of histories over two tenants, four sessions, days apart, with budget events and junk.

const TENANTS = ['acme', 'globex'] as const;
const IDS = ['s1', 's2', 's3', 'constructor'] as const;
const STATES = ['provisioning', 'ready', 'busy', 'idle', 'hibernated', 'resuming', 'failed', 'terminated'] as const;

type Step =
  | { readonly kind: 'provision'; readonly id: string; readonly tenant: string }
  | { readonly kind: 'move'; readonly id: string; readonly to: string }
  | { readonly kind: 'turn'; readonly id: string; readonly cost: number; readonly input: number; readonly output: number; readonly malformed: boolean }
  | { readonly kind: 'change'; readonly tenant: string; readonly limit: number | null }
  | { readonly kind: 'exhausted'; readonly tenant: string; readonly window: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('provision' as const), id: fc.constantFrom(...IDS), tenant: fc.constantFrom(...TENANTS) }),
  fc.record({ kind: fc.constant('move' as const), id: fc.constantFrom(...IDS), to: fc.constantFrom(...STATES) }),
  fc.record({ kind: fc.constant('turn' as const), id: fc.constantFrom(...IDS), cost: fc.nat(500).map((n) => n / 1000), input: fc.nat(100), output: fc.nat(100), malformed: fc.nat(4).map((n) => n === 0) }),
  fc.record({ kind: fc.constant('change' as const), tenant: fc.constantFrom(...TENANTS), limit: fc.option(fc.nat(10), { nil: null }) }),
  fc.record({ kind: fc.constant('exhausted' as const), tenant: fc.constantFrom(...TENANTS), window: fc.nat(100) }),
);

/** Steps made into stored events, `gaps[i]` hours apart (times only grow), with the stream's revisions and from/to. */
function materialise(all: readonly Step[], gaps: readonly number[]): ProjectedEvent[] {
  const revisions = new Map<string, bigint>();
  const states = new Map<string, string>();
  // A session is provisioned once, by its stream's first event (as the runtime writes it).
  const provisioned = new Set<string>();
  const steps = all.filter((s) => s.kind !== 'provision' || (!provisioned.has(s.id) && provisioned.add(s.id) !== undefined));
  let at = T0;
  return steps.map((s, index) => {
    at += (gaps[index % Math.max(1, gaps.length)] ?? 1) * HOUR;
    const stream = s.kind === 'change' || s.kind === 'exhausted' ? BUDGETS_STREAM : `${STREAM_PREFIX.session}${s.id}`;
    const revision = revisions.get(stream) ?? 0n;
    revisions.set(stream, revision + 1n);
    const from = states.get(stream) ?? null;
    const [type, data, to] =
      s.kind === 'provision'
        ? [RUNTIME_EVENT_TYPE.sessionProvisioned, { sessionId: s.id, tenant: s.tenant, owner: 'ada', at, options: {} }, 'provisioning']
        : s.kind === 'move'
          ? [S.HIBERNATE, { at }, s.to]
          : s.kind === 'turn'
            ? [S.TURN_COMPLETED, turn(at, s.malformed ? 'much' : s.cost, s.input, s.output), from ?? 'idle']
            : s.kind === 'change'
              ? [BUDGET_EVENT.changed, { tenant: s.tenant, limits: { maxLiveSessions: s.limit }, at, by: 'root' }, null]
              : [BUDGET_EVENT.exhausted, { tenant: s.tenant, limit: 'maxUsdPerDay', used: 1, max: 1, resetsAt: 0, window: s.window, at }, null];
    if (to !== null) states.set(stream, to);
    return { stream, type, revision, data, metadata: { from, to, at, causationId: null, correlationId: 'gen' } };
  });
}

const histories = fc.tuple(fc.array(step, { maxLength: 60 }), fc.array(fc.nat(30), { minLength: 1, maxLength: 10 })).map(([steps, gaps]) => materialise(steps, gaps));

/** What the fold should say, computed the plain way from the same events. */
function model(events: readonly ProjectedEvent[]) {
  const tenantOf = new Map<string, string>();
  const liveOf = new Map<string, boolean>();
  const totals = new Map<string, { usd: number; input: number; output: number; turns: number; byDay: Map<number, number> }>();
  for (const event of events) {
    if (!event.stream.startsWith(STREAM_PREFIX.session)) continue;
    const id = event.stream.slice(STREAM_PREFIX.session.length);
    const data = event.data as { tenant?: string; costUsd?: unknown; at: number; usage?: { inputTokens: number; outputTokens: number } };
    if (event.type === RUNTIME_EVENT_TYPE.sessionProvisioned) {
      if (!tenantOf.has(id)) {
        tenantOf.set(id, data.tenant!);
        liveOf.set(id, true);
      }
      continue;
    }
    const tenant = tenantOf.get(id);
    if (tenant === undefined) continue;
    liveOf.set(id, !['hibernated', 'failed', 'terminated'].includes(event.metadata['to'] as string));
    if (event.type === S.TURN_COMPLETED && typeof data.costUsd === 'number') {
      const t = totals.get(tenant) ?? { usd: 0, input: 0, output: 0, turns: 0, byDay: new Map<number, number>() };
      t.usd += data.costUsd;
      t.input += data.usage!.inputTokens;
      t.output += data.usage!.outputTokens;
      t.turns += 1;
      t.byDay.set(utcDayOf(data.at), (t.byDay.get(utcDayOf(data.at)) ?? 0) + data.costUsd);
      totals.set(tenant, t);
    }
  }
  const live = (tenant: string): number => [...tenantOf].filter(([id, t]) => t === tenant && liveOf.get(id) === true).length;
  return { totals, live, tenantOf };
}

describe('tenant-budgets projection', () => {
  it('folds resumably (a JSON round trip of the state mid-way changes nothing), over its own histories and the shared ones', () => {
    assertResumableFold(tenantBudgetsProjection, histories);
    assertResumableFold(tenantBudgetsProjection, storeHistory());
  });

  it('sums each tenant\'s turns (cost, tokens, count) and counts its live sessions as a plain replay does', () => {
    fc.assert(
      fc.property(histories, (events) => {
        const state = foldAll(tenantBudgetsProjection, events);
        const expected = model(events);
        for (const tenant of TENANTS) {
          const usage = tenantUsageOf(state, tenant);
          const t = expected.totals.get(tenant);
          expect(usage?.usdTotal ?? 0).toBeCloseTo(t?.usd ?? 0, 9);
          expect(usage?.inputTokensTotal ?? 0).toBe(t?.input ?? 0);
          expect(usage?.outputTokensTotal ?? 0).toBe(t?.output ?? 0);
          expect(usage?.turns ?? 0).toBe(t?.turns ?? 0);
          expect(usage?.live ?? 0).toBe(expected.live(tenant));
        }
        expect(idMapValues(state.sessions).length).toBe(expected.tenantOf.size);
      }),
    );
  });

  it('keeps the cost of the current UTC day and month only (times grow): a new window starts at 0', () => {
    fc.assert(
      fc.property(histories, (events) => {
        const state = foldAll(tenantBudgetsProjection, events);
        const last = events.length === 0 ? T0 : (events[events.length - 1]!.metadata['at'] as number);
        const expected = model(events);
        for (const tenant of TENANTS) {
          const now = usageAt(tenantUsageOf(state, tenant), last);
          expect(now.usdDay).toBeCloseTo(expected.totals.get(tenant)?.byDay.get(utcDayOf(last)) ?? 0, 9);
          expect(now.usdMonth).toBeLessThanOrEqual((expected.totals.get(tenant)?.usd ?? 0) + 1e-9);
        }
      }),
    );
  });

  it('returns the same state object for events of other streams and of no interest', () => {
    fc.assert(
      fc.property(histories, (events) => {
        const state = foldAll(tenantBudgetsProjection, events);
        const other = streamWriter('pool-main')('PoolScaled', { at: T0 }, { from: 'running', to: 'running', at: T0 });
        expect(applyTenantBudgets(state, other)).toBe(state);
        const quiet = { stream: `${STREAM_PREFIX.session}s1`, type: S.MESSAGE_ACCEPTED, revision: 99n, data: { at: T0 }, metadata: { from: 'idle', to: 'busy', at: T0 } };
        expect(applyTenantBudgets(state, quiet)).toBe(state);
      }),
    );
  });

  it('counts a turn in its UTC day and month: across midnight of a new year the figures start again', () => {
    const s = sessionStream('s1', 'acme');
    const history = [s.provisioned(T0), s.next(S.TURN_COMPLETED, turn(T0 + HOUR, 0.4), 'busy', 'idle')];
    specFor(tenantBudgetsProjection)
      .given(history)
      .when(s.next(S.TURN_COMPLETED, turn(T0 + 3 * HOUR, 0.25), 'busy', 'idle'))
      .then((after) => {
        const usage = tenantUsageOf(after, 'acme')!;
        expect(usage.day).toBe(utcDayOf(T0 + 3 * HOUR));
        expect(usage.month).toBe(utcMonthOf(T0 + 3 * HOUR));
        expect([usage.usdDay, usage.usdMonth, usage.usdTotal]).toEqual([0.25, 0.25, 0.65]);
        expect(usage.tokensDay).toBe(30);
        // Read before midnight, the old day's figures; read a day later, nothing.
        expect(usageAt(usage, T0 + 3 * HOUR).usdDay).toBe(0.25);
        expect(usageAt(usage, T0 + 27 * HOUR).usdDay).toBe(0);
        expect(usageAt(usage, T0 + 3 * HOUR).dayResetsAt).toBe(Date.UTC(2027, 0, 2));
        expect(usageAt(usage, T0 + 3 * HOUR).monthResetsAt).toBe(Date.UTC(2027, 1, 1));
      });
  });

  it('skips a malformed turn or budget change and counts it', () => {
    const s = sessionStream('s1', 'acme');
    const state = foldAll(tenantBudgetsProjection, [s.provisioned(T0), s.next(S.TURN_COMPLETED, turn(T0, -1), 'busy', 'idle')]);
    expect(state.skipped).toBe(1);
    const changes = streamWriter(BUDGETS_STREAM);
    const after = applyTenantBudgets(state, changes(BUDGET_EVENT.changed, { tenant: 'acme', limits: { maxUsdPerDay: 'lots' }, at: T0, by: 'root' }, { at: T0 }));
    expect(after.skipped).toBe(2);
  });

  it('keeps run-time overrides over the configured limits; null gives the configured value back', () => {
    const changes = streamWriter(BUDGETS_STREAM);
    const state = foldAll(tenantBudgetsProjection, [
      changes(BUDGET_EVENT.changed, { tenant: 'acme', limits: { maxUsdPerDay: 5, maxLiveSessions: 2 }, at: T0, by: 'root' }, { at: T0 }),
      changes(BUDGET_EVENT.changed, { tenant: 'acme', limits: { maxLiveSessions: null }, at: T0, by: 'root' }, { at: T0 }),
    ]);
    const configured = { ...NO_LIMITS, maxUsdPerDay: 1, maxLiveSessions: 9 };
    expect(effectiveLimits(configured, tenantUsageOf(state, 'acme'))).toEqual({ ...configured, maxUsdPerDay: 5 });
    expect(effectiveLimits(configured, tenantUsageOf(state, 'globex'))).toBe(configured);
  });
});

describe('tenant-budgets queries', () => {
  const s = sessionStream('s1', 'acme');
  const spent = foldAll(tenantBudgetsProjection, [s.provisioned(T0), s.next(S.TURN_COMPLETED, turn(T0, 0.5, 100, 50), 'busy', 'idle')]);
  const usage = tenantUsageOf(spent, 'acme');

  it('names the first limit reached, with what was used, the limit and when it resets', () => {
    expect(budgetExhaustion(usage, { ...NO_LIMITS, maxUsdPerDay: 0.6 }, T0, true)).toBeNull();
    expect(budgetExhaustion(usage, { ...NO_LIMITS, maxUsdPerDay: 0.5 }, T0, false)).toEqual({ limit: 'maxUsdPerDay', used: 0.5, max: 0.5, resetsAt: Date.UTC(2027, 0, 1), window: utcDayOf(T0) });
    expect(budgetExhaustion(usage, { ...NO_LIMITS, maxTokensPerMonth: 150 }, T0, false)).toMatchObject({ limit: 'maxTokensPerMonth', used: 150, resetsAt: Date.UTC(2027, 0, 1) });
    // The next day the daily limit no longer holds.
    expect(budgetExhaustion(usage, { ...NO_LIMITS, maxUsdPerDay: 0.5 }, T0 + 2 * HOUR, false)).toBeNull();
  });

  it('judges the live-session limit only for a session about to open', () => {
    const limits = { ...NO_LIMITS, maxLiveSessions: 1 };
    expect(budgetExhaustion(usage, limits, T0, false)).toBeNull();
    expect(budgetExhaustion(usage, limits, T0, true)).toMatchObject({ limit: 'maxLiveSessions', used: 1, max: 1, resetsAt: null });
    expect(budgetExhaustion(undefined, limits, T0, true)).toBeNull();
  });

  it('refuses exactly when a figure of the current windows reaches its limit (any history, limits and time)', () => {
    const limit = fc.oneof(fc.constant(0), fc.nat(3_000).map((n) => n / 1000), fc.nat(5_000));
    fc.assert(
      fc.property(histories, fc.record({ maxUsdPerDay: limit, maxUsdPerMonth: limit, maxTokensPerDay: limit, maxTokensPerMonth: limit, maxLiveSessions: fc.nat(4) }), fc.nat(60 * 24), fc.boolean(), (events, limits, hours, opening) => {
        const state = foldAll(tenantBudgetsProjection, events);
        const now = T0 + hours * HOUR;
        for (const tenant of TENANTS) {
          const usage = tenantUsageOf(state, tenant);
          const figures = usageAt(usage, now);
          const reached = (max: number, used: number): boolean => max > 0 && used >= max;
          const expected =
            reached(limits.maxUsdPerDay, figures.usdDay) ||
            reached(limits.maxUsdPerMonth, figures.usdMonth) ||
            reached(limits.maxTokensPerDay, figures.tokensDay) ||
            reached(limits.maxTokensPerMonth, figures.tokensMonth) ||
            (opening && reached(limits.maxLiveSessions, figures.live));
          const verdict = budgetExhaustion(usage, limits, now, opening);
          expect(verdict !== null).toBe(expected);
          if (verdict !== null) expect(verdict.used).toBeGreaterThanOrEqual(verdict.max);
          // What is left is 0 for a spending limit reached, and never negative.
          const remaining = budgetRemaining(usage, limits, now);
          for (const left of [remaining.usd, remaining.tokens, remaining.liveSessions]) if (left !== null) expect(left).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });

  it('says what is left: the least of the day and month, null without a limit', () => {
    expect(budgetRemaining(usage, NO_LIMITS, T0)).toEqual({ usd: null, tokens: null, liveSessions: null });
    expect(budgetRemaining(usage, { ...NO_LIMITS, maxUsdPerDay: 2, maxUsdPerMonth: 0.75, maxTokensPerDay: 100, maxLiveSessions: 3 }, T0)).toEqual({ usd: 0.25, tokens: 0, liveSessions: 2 });
    expect(budgetRemaining(initialTenantBudgets().tenants['acme'], { ...NO_LIMITS, maxUsdPerDay: 2 }, T0).usd).toBe(2);
  });
});
