/**
 * fast-check generators of stored-event histories for the projections' property tests: several sessions, the
 * pool and two breakers, interleaved, with consecutive revisions per stream, `metadata.from` chained to the
 * stream's previous `to`, mostly well-formed data, some malformed data and some events of other streams and types.
 */
import fc from 'fast-check';
import { BREAKER_PERSISTED_NAME as B } from '../../machines/circuit-breaker.events.js';
import { BREAKER_STATES } from '../../machines/circuit-breaker.machine.js';
import { POOL_PERSISTED_NAME as P } from '../../machines/pool.events.js';
import { SESSION_PERSISTED_NAME as S } from '../../machines/session.events.js';
import { SESSION_STATES } from '../../machines/session.states.js';
import { RUNTIME_EVENT_TYPE, STREAM_PREFIX } from '../../machines/streams.js';
import type { ProjectedEvent } from '../event.js';
import { FAULT_KINDS } from '../faults.js';

/** Session ids the generators use; `constructor` checks that ids are never looked up on `Object.prototype`. */
export const TEST_SESSION_IDS = ['s1', 's2', 's3', 's4', 'constructor'] as const;
const TENANTS = ['acme', 'globex'] as const;
const USERS = ['ada', 'bob', 'cy'] as const;
const TIMERS = ['startTimeout', 'turnTimeout', 'stallTimeout', 'interruptTimeout', 'idleTimeout', 'recoveryTimeout'] as const;
const BREAKERS = ['agent-spawn', 'anthropic-api'] as const;

type Data = { readonly [key: string]: unknown };

/** One generated step, before revisions and times are filled in. */
type Step =
  | { readonly kind: 'provision'; readonly id: string; readonly tenant: string; readonly owner: string }
  | { readonly kind: 'session'; readonly id: string; readonly type: string; readonly data: Data | unknown; readonly to: string | null }
  | { readonly kind: 'pool'; readonly type: string; readonly data: Data | unknown; readonly to: string }
  | { readonly kind: 'breaker'; readonly name: string; readonly type: string; readonly data: Data | unknown; readonly to: string }
  | { readonly kind: 'junk'; readonly stream: string; readonly type: string; readonly data: unknown };

const malformedOr = (data: fc.Arbitrary<Data>): fc.Arbitrary<unknown> => fc.oneof({ weight: 9, arbitrary: data }, { weight: 1, arbitrary: fc.anything() });

const sessionData: { readonly [type: string]: fc.Arbitrary<Data> } = {
  [S.TURN_COMPLETED]: fc.record({
    usage: fc.record({ inputTokens: fc.nat(1000), outputTokens: fc.nat(1000), cacheReadTokens: fc.constant(0), cacheCreationTokens: fc.constant(0) }),
    costUsd: fc.nat(1000).map((n) => n / 1000),
    isError: fc.boolean(),
  }),
  [S.AGENT_FAULT]: fc.record({ fault: fc.constantFrom(...FAULT_KINDS), detail: fc.option(fc.string(), { nil: undefined }) }),
  [S.TIMER_ELAPSED]: fc.record({ name: fc.constantFrom(...TIMERS) }),
  [S.PARTICIPANT_JOINED]: fc.record({ userId: fc.constantFrom(...USERS), role: fc.constantFrom('editor', 'viewer') }),
  [S.ROLE_CHANGED]: fc.record({ userId: fc.constantFrom(...USERS), role: fc.constantFrom('editor', 'viewer') }),
  [S.PARTICIPANT_LEFT]: fc.record({ userId: fc.constantFrom(...USERS) }),
  [S.TERMINATE]: fc.record({ reason: fc.string() }),
};

const poolData: { readonly [type: string]: fc.Arbitrary<Data> } = {
  [P.SCALE_UP]: fc.record({ to: fc.nat(10), utilisation: fc.nat(100).map((n) => n / 100), reason: fc.constantFrom('utilisation', 'demand') }),
  [P.SCALE_DOWN]: fc.record({ to: fc.nat(10), utilisation: fc.nat(100).map((n) => n / 100) }),
  [P.SESSION_EVICTED]: fc.record({ sessionId: fc.constantFrom(...TEST_SESSION_IDS), reason: fc.constantFrom('lru', 'memory', 'max_lifetime', 'idle') }),
  [P.RECOVERY_REPORTED]: fc.record({ sessionId: fc.constantFrom(...TEST_SESSION_IDS), outcome: fc.constantFrom('started', 'succeeded', 'failed'), detail: fc.constant(null) }),
  [P.LEAK_DETECTED]: fc.record({ resource: fc.constantFrom('process', 'actor'), expected: fc.nat(5), actual: fc.nat(9), repaired: fc.boolean(), detail: fc.constant(null) }),
  [P.RECONFIGURED]: fc.record({ options: fc.record({ minSize: fc.nat(2), maxSize: fc.integer({ min: 2, max: 12 }) }, { requiredKeys: [] }) }),
  [RUNTIME_EVENT_TYPE.poolCreated]: fc.record({ name: fc.constant('main'), options: fc.record({ minSize: fc.nat(2), maxSize: fc.integer({ min: 2, max: 12 }), autoScaling: fc.boolean() }) }),
};

const withEmpty = (table: { readonly [type: string]: fc.Arbitrary<Data> }, type: string): fc.Arbitrary<Data> => table[type] ?? fc.constant({});

const sessionStep: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('provision' as const), id: fc.constantFrom(...TEST_SESSION_IDS), tenant: fc.constantFrom(...TENANTS), owner: fc.constantFrom(...USERS) }) },
  {
    weight: 5,
    arbitrary: fc.constantFrom(...Object.values(S)).chain((type) =>
      fc.record({
        kind: fc.constant('session' as const),
        id: fc.constantFrom(...TEST_SESSION_IDS),
        type: fc.constant(type as string),
        data: malformedOr(withEmpty(sessionData, type)),
        to: fc.oneof({ weight: 19, arbitrary: fc.constantFrom(...SESSION_STATES) }, { weight: 1, arbitrary: fc.constant(null) }),
      }),
    ),
  },
);

const poolStep: fc.Arbitrary<Step> = fc.constantFrom(...Object.values(P), RUNTIME_EVENT_TYPE.poolCreated).chain((type) =>
  fc.record({ kind: fc.constant('pool' as const), type: fc.constant(type as string), data: malformedOr(withEmpty(poolData, type)), to: fc.constantFrom('running', 'draining') }),
);

const breakerStep: fc.Arbitrary<Step> = fc.record({
  kind: fc.constant('breaker' as const),
  name: fc.constantFrom(...BREAKERS),
  type: fc.constantFrom(RUNTIME_EVENT_TYPE.breakerCreated, ...Object.values(B)),
  data: fc.constant({}),
  to: fc.constantFrom(...BREAKER_STATES),
});

const junkStep: fc.Arbitrary<Step> = fc.record({
  kind: fc.constant('junk' as const),
  stream: fc.constantFrom(`${STREAM_PREFIX.snapshot}${STREAM_PREFIX.session}s1`, 'audit-2026-11-25', `${STREAM_PREFIX.session}s1`, `${STREAM_PREFIX.pool}other`),
  type: fc.constantFrom(RUNTIME_EVENT_TYPE.snapshotTaken, 'SomethingElse'),
  data: fc.anything(),
});

/** Turns steps into stored events: revisions per stream, `at` one second apart, `from` chained per stream. */
function materialise(steps: readonly Step[]): ProjectedEvent[] {
  const revisions = new Map<string, bigint>();
  const states = new Map<string, string | null>();
  return steps.map((step, index) => {
    const at = 1_700_000_000_000 + index * 1_000;
    const [stream, type, data, to] =
      step.kind === 'provision'
        ? [`${STREAM_PREFIX.session}${step.id}`, RUNTIME_EVENT_TYPE.sessionProvisioned, { sessionId: step.id, tenant: step.tenant, owner: step.owner, at, options: {} }, 'provisioning']
        : step.kind === 'session'
          ? [`${STREAM_PREFIX.session}${step.id}`, step.type, step.data, step.to]
          : step.kind === 'pool'
            ? [`${STREAM_PREFIX.pool}main`, step.type, step.data, step.to]
            : step.kind === 'breaker'
              ? [`${STREAM_PREFIX.breaker}${step.name}`, step.type, step.data, step.to]
              : [step.stream, step.type, step.data, null];
    const revision = revisions.get(stream) ?? 0n;
    revisions.set(stream, revision + 1n);
    const from = states.get(stream) ?? null;
    states.set(stream, to);
    const record = typeof data === 'object' && data !== null && !Array.isArray(data) ? { at, ...(data as Data) } : data;
    return { stream, type, revision, data: record, metadata: { from, to, at, causationId: null, correlationId: 'gen' } };
  });
}

/** A history of stored events over sessions, the `main` pool and two breakers (see the module comment). */
export function storeHistory(maxLength = 80): fc.Arbitrary<ProjectedEvent[]> {
  return fc
    .array(fc.oneof({ weight: 6, arbitrary: sessionStep }, { weight: 2, arbitrary: poolStep }, { weight: 2, arbitrary: breakerStep }, { weight: 1, arbitrary: junkStep }), { maxLength })
    .map(materialise);
}
