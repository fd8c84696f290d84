/**
 * The `tenant-budgets` projection: what each tenant has spent and holds, folded in O(1) per event. Cost and tokens
 * come from each `TurnCompleted` (`costUsd`, `usage.inputTokens`/`outputTokens`) of the tenant's sessions, counted in
 * the UTC day and UTC month of the event's time (a new window starts at 0) and in all-time totals (for the metrics);
 * live sessions are those whose state is neither hibernated, failed nor terminated. From the `budgets` stream it
 * keeps the run-time limit overrides (`TenantBudgetChanged`) and, per limit, the window its last `BudgetExhausted`
 * was recorded in. The server's budget checks read this state (see `tenant-budgets.query.ts`), never the store.
 */
import { BUDGET_EVENT, BUDGET_LIMIT_NAMES, BUDGETS_STREAM, type BudgetLimitName, type BudgetOverrides } from '../machines/budget.events.js';
import { SESSION_PERSISTED_NAME } from '../machines/session.events.js';
import { RUNTIME_EVENT_TYPE, STREAM_PREFIX } from '../machines/streams.js';
import { atOf, countOf, numberOf, own, recordOf, sessionIdOf, stateAfter, stateBefore, stringOf, type ProjectedEvent, type Projection } from './event.js';
import { emptyIdMap, idMapGet, idMapSet, type IdMap } from './id-map.js';

/** What one tenant has spent and holds. */
export interface TenantUsage {
  /** UTC day number (days since the epoch) the `*Day` figures belong to. */
  readonly day: number;
  readonly usdDay: number;
  readonly tokensDay: number;
  /** UTC month number (year × 12 + month) the `*Month` figures belong to. */
  readonly month: number;
  readonly usdMonth: number;
  readonly tokensMonth: number;
  /** Since the log began. */
  readonly usdTotal: number;
  readonly inputTokensTotal: number;
  readonly outputTokensTotal: number;
  readonly turns: number;
  /** Sessions not hibernated, failed or terminated. */
  readonly live: number;
  /** How often `live` changed: the "window" of the live-session limit. */
  readonly liveChanges: number;
  /** Run-time overrides of the configured limits. */
  readonly overrides: { readonly [name in BudgetLimitName]?: number };
  /** Per limit, the window of its last recorded `BudgetExhausted`. */
  readonly exhausted: { readonly [name in BudgetLimitName]?: number };
}

/** A session as the fold knows it. */
export interface BudgetSession {
  readonly tenant: string;
  readonly live: boolean;
}

/** State of the `tenant-budgets` projection. */
export interface TenantBudgetsState {
  readonly tenants: { readonly [tenant: string]: TenantUsage };
  readonly sessions: IdMap<BudgetSession>;
  /** Events of interest that were malformed and changed nothing. */
  readonly skipped: number;
}

/** Name of the projection. */
export const TENANT_BUDGETS = 'tenant-budgets';

/** Version of the state's shape, for checkpoints: bump it whenever the state or the fold changes. */
export const TENANT_BUDGETS_VERSION = 1;

const DAY_MS = 86_400_000;
const NOT_LIVE: ReadonlySet<string> = new Set(['hibernated', 'failed', 'terminated']);

/** The UTC day number of `at` (epoch ms). */
export const utcDayOf = (at: number): number => Math.floor(at / DAY_MS);

// The month of the last day asked about: checks ask on every message, and a Date per call is most of their cost.
let memoDay = Number.NaN;
let memoMonth = 0;

/** The UTC month number (year × 12 + month) of `at`. */
export function utcMonthOf(at: number): number {
  const day = utcDayOf(at);
  if (day !== memoDay) {
    const date = new Date(day * DAY_MS);
    memoMonth = date.getUTCFullYear() * 12 + date.getUTCMonth();
    memoDay = day;
  }
  return memoMonth;
}

/** When UTC day `day` ends (epoch ms). */
export const dayEndsAt = (day: number): number => (day + 1) * DAY_MS;

/** When UTC month `month` ends (epoch ms). */
export const monthEndsAt = (month: number): number => Date.UTC(Math.floor(month / 12), (month % 12) + 1, 1);

/** A tenant that has done nothing yet. */
export const emptyTenantUsage = (): TenantUsage => ({
  day: 0,
  usdDay: 0,
  tokensDay: 0,
  month: 0,
  usdMonth: 0,
  tokensMonth: 0,
  usdTotal: 0,
  inputTokensTotal: 0,
  outputTokensTotal: 0,
  turns: 0,
  live: 0,
  liveChanges: 0,
  overrides: {},
  exhausted: {},
});

/** The empty state. */
export const initialTenantBudgets = (): TenantBudgetsState => ({ tenants: {}, sessions: emptyIdMap(), skipped: 0 });

/** The usage of `tenant`, or `undefined` when it has done nothing. */
export const tenantUsageOf = (state: TenantBudgetsState, tenant: string): TenantUsage | undefined => own(state.tenants, tenant);

const isLive = (value: string): boolean => !NOT_LIVE.has(value);
const skip = (state: TenantBudgetsState): TenantBudgetsState => ({ ...state, skipped: state.skipped + 1 });

function withTenant(state: TenantBudgetsState, tenant: string, change: (usage: TenantUsage) => TenantUsage): TenantBudgetsState {
  return { ...state, tenants: { ...state.tenants, [tenant]: change(own(state.tenants, tenant) ?? emptyTenantUsage()) } };
}

const movedLive = (usage: TenantUsage, delta: number): TenantUsage => ({ ...usage, live: Math.max(0, usage.live + delta), liveChanges: usage.liveChanges + 1 });

function provisioned(state: TenantBudgetsState, sessionId: string, event: ProjectedEvent): TenantBudgetsState {
  if (idMapGet(state.sessions, sessionId) !== undefined) return state;
  const tenant = stringOf(recordOf(event.data)?.['tenant']);
  if (tenant === null || tenant === '') return skip(state);
  const live = isLive(stateAfter(event) ?? 'provisioning');
  const next = { ...state, sessions: idMapSet(state.sessions, sessionId, { tenant, live }) };
  return live ? withTenant(next, tenant, (usage) => movedLive(usage, 1)) : withTenant(next, tenant, (usage) => usage);
}

function turnCompleted(state: TenantBudgetsState, session: BudgetSession, event: ProjectedEvent): TenantBudgetsState {
  const data = recordOf(event.data);
  const cost = countOf(data?.['costUsd']);
  const usage = recordOf(data?.['usage']);
  const input = countOf(usage?.['inputTokens']) ?? 0;
  const output = countOf(usage?.['outputTokens']) ?? 0;
  const at = atOf(event);
  if (cost === null || at === null) return skip(state);
  const day = utcDayOf(at);
  const month = utcMonthOf(at);
  const tokens = input + output;
  return withTenant(state, session.tenant, (known) => ({
    ...known,
    day: Math.max(day, known.day),
    usdDay: day > known.day ? cost : day === known.day ? known.usdDay + cost : known.usdDay,
    tokensDay: day > known.day ? tokens : day === known.day ? known.tokensDay + tokens : known.tokensDay,
    month: Math.max(month, known.month),
    usdMonth: month > known.month ? cost : month === known.month ? known.usdMonth + cost : known.usdMonth,
    tokensMonth: month > known.month ? tokens : month === known.month ? known.tokensMonth + tokens : known.tokensMonth,
    usdTotal: known.usdTotal + cost,
    inputTokensTotal: known.inputTokensTotal + input,
    outputTokensTotal: known.outputTokensTotal + output,
    turns: known.turns + 1,
  }));
}

function sessionEvent(state: TenantBudgetsState, event: ProjectedEvent): TenantBudgetsState {
  const provision = event.type === RUNTIME_EVENT_TYPE.sessionProvisioned;
  const turn = event.type === SESSION_PERSISTED_NAME.TURN_COMPLETED;
  const to = stateAfter(event);
  const from = stateBefore(event);
  // The common case, one look at the metadata: the event neither ends a turn nor moves the session in or out of life.
  if (!provision && !turn && (to === null || (from !== null && isLive(from) === isLive(to)))) return state;
  const sessionId = sessionIdOf(event);
  if (sessionId === null) return state;
  if (provision) return provisioned(state, sessionId, event);
  const session = idMapGet(state.sessions, sessionId);
  if (session === undefined) return state;
  const next = turn ? turnCompleted(state, session, event) : state;
  if (to === null || isLive(to) === session.live) return next;
  const live = isLive(to);
  return withTenant({ ...next, sessions: idMapSet(next.sessions, sessionId, { tenant: session.tenant, live }) }, session.tenant, (usage) => movedLive(usage, live ? 1 : -1));
}

function overridesOf(value: unknown): BudgetOverrides | null {
  const limits = recordOf(value);
  if (limits === null) return null;
  const overrides: { [name in BudgetLimitName]?: number | null } = {};
  for (const name of BUDGET_LIMIT_NAMES) {
    if (!Object.hasOwn(limits, name)) continue;
    const limit = limits[name];
    if (limit === null) overrides[name] = null;
    else if (countOf(limit) !== null) overrides[name] = limit as number;
    else return null;
  }
  return overrides;
}

function budgetEvent(state: TenantBudgetsState, event: ProjectedEvent): TenantBudgetsState {
  const data = recordOf(event.data);
  const tenant = stringOf(data?.['tenant']);
  if (data === null || tenant === null || tenant === '') return skip(state);
  switch (event.type) {
    case BUDGET_EVENT.changed: {
      const overrides = overridesOf(data['limits']);
      if (overrides === null) return skip(state);
      return withTenant(state, tenant, (usage) => {
        const merged: { [name in BudgetLimitName]?: number } = { ...usage.overrides };
        for (const name of BUDGET_LIMIT_NAMES) {
          const limit = overrides[name];
          if (limit === null) delete merged[name];
          else if (limit !== undefined) merged[name] = limit;
        }
        return { ...usage, overrides: merged };
      });
    }
    case BUDGET_EVENT.exhausted: {
      const limit = stringOf(data['limit']);
      const window = numberOf(data['window']);
      if (limit === null || !(BUDGET_LIMIT_NAMES as readonly string[]).includes(limit) || window === null) return skip(state);
      return withTenant(state, tenant, (usage) => ({ ...usage, exhausted: { ...usage.exhausted, [limit]: window } }));
    }
    default:
      return state;
  }
}

/** Folds one stored event; events of other streams and types leave the state as it is (the same object). */
export function applyTenantBudgets(state: TenantBudgetsState, event: ProjectedEvent): TenantBudgetsState {
  if (event.stream === BUDGETS_STREAM) return budgetEvent(state, event);
  return event.stream.startsWith(STREAM_PREFIX.session) ? sessionEvent(state, event) : state;
}

/** The `tenant-budgets` projection, for the host. */
export const tenantBudgetsProjection: Projection<TenantBudgetsState> = {
  name: TENANT_BUDGETS,
  version: TENANT_BUDGETS_VERSION,
  initial: initialTenantBudgets,
  apply: applyTenantBudgets,
};
