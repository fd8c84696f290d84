import { describe, expect, it } from 'vitest';
import { BREAKER_PERSISTED_NAME as B } from '../../../machines/index.js';
import { AGENT_EVENT, type ApiRetryEvent, type ResultEvent } from '../../agent/index.js';
import { BREAKER_ACTOR, createActorHost, RUNTIME_EVENT_TYPE } from '../../runtime/index.js';
import { MemoryEventStore } from '../../store/index.js';
import { ApiTurnBreaker, resultOutcome } from './api-breaker.js';
import { BreakerGuard } from './breaker-guard.js';

const result = (over: Partial<ResultEvent>): ResultEvent => ({
  kind: AGENT_EVENT.RESULT,
  subtype: 'success',
  isError: false,
  apiError: false,
  apiErrorStatus: null,
  result: undefined,
  usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 },
  costUsd: 0,
  durationMs: 10,
  numTurns: 1,
  errors: [],
  sessionId: undefined,
  ...over,
});
const apiError = (status: number | null): ResultEvent => result({ isError: true, apiError: true, apiErrorStatus: status });
const retry: ApiRetryEvent = { kind: AGENT_EVENT.API_RETRY, attempt: 1, maxRetries: 10, retryDelayMs: 500, errorStatus: null, error: 'unknown' };

describe('resultOutcome: what a turn result says about the API', () => {
  it('an answer or a request the API refused is answered; no answer, 408, 429 and 5xx are failures; other errors say nothing', () => {
    expect(resultOutcome(result({}))).toEqual({ kind: 'answered' });
    expect(resultOutcome(apiError(null))).toEqual({ kind: 'failed', errorKind: 'api_error' });
    for (const status of [408, 429, 500, 529]) expect(resultOutcome(apiError(status))).toEqual({ kind: 'failed', errorKind: `http_${status}` });
    for (const status of [400, 401, 413]) expect(resultOutcome(apiError(status))).toEqual({ kind: 'answered' });
    expect(resultOutcome(result({ subtype: 'error_during_execution', isError: true }))).toEqual({ kind: 'inconclusive' });
  });
});

describe('ApiTurnBreaker: turns as calls', () => {
  /** An API breaker with threshold 1 and a 100 ms open period, on a clock the test moves. */
  async function breaker() {
    let now = 1_000;
    const clock = { now: () => now };
    const store = new MemoryEventStore();
    const host = createActorHost({ store, clock });
    const actor = (await host.actors(BREAKER_ACTOR, {}).create({ name: 'anthropic-api', consecutiveFailureThreshold: 1, openDurationMs: 100 }))._unsafeUnwrap();
    const api = new ApiTurnBreaker(new BreakerGuard(actor, clock, () => undefined));
    const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
    const stored = async () =>
      (await store.readStream('breaker-anthropic-api'))._unsafeUnwrap().map((event) => event.type).filter((type) => type !== RUNTIME_EVENT_TYPE.breakerCreated);
    return { api, stored, settle, later: (ms: number) => (now += ms), close: () => host.close() };
  }

  it('outside closed, reports only the probe turn: other turns can neither close it nor take the probe slot', async () => {
    const { api, stored, settle, later, close } = await breaker();
    expect((await api.admit('t1'))._unsafeUnwrap()).toBe(false);
    api.retried('t1', retry);
    await settle();
    expect(api.state).toBe('open');
    expect((await api.admit('t2'))._unsafeUnwrapErr()).toMatchObject({ kind: 'BreakerOpen', breaker: 'anthropic-api', retryAt: 1_100 });
    later(100);
    expect((await api.admit('probe'))._unsafeUnwrap()).toBe(true);
    // t1 (started before the trip) ends now: it is not the probe and is ignored.
    api.ended('t1', result({}));
    await settle();
    expect(api.state).toBe('halfOpen');
    expect((await api.admit('t3'))._unsafeUnwrapErr()).toMatchObject({ kind: 'BreakerOpen' });
    api.ended('probe', result({}));
    await settle();
    expect(api.state).toBe('closed');
    expect(await stored()).toEqual([B.CALL_FAILED, B.PROBE_STARTED, B.CALL_SUCCEEDED]);
    await close();
  });

  it('abandons a probe whose message is refused or whose turn is aborted or inconclusive, and forgets a stale one', async () => {
    const { api, stored, settle, later, close } = await breaker();
    api.ended(undefined, apiError(null));
    await settle();
    later(100);
    for (const [turnId, end] of [
      ['refused', () => api.refused('refused')],
      ['aborted', () => api.aborted(['aborted'], 'agent-fault')],
      ['interrupted', () => api.ended('interrupted', result({ subtype: 'error_during_execution', isError: true }))],
    ] as const) {
      expect((await api.admit(turnId))._unsafeUnwrap()).toBe(true);
      end();
      await settle();
      expect(api.state).toBe('halfOpen');
    }
    // A probe fails (the API is still down), the breaker opens and comes back: the old probe's late result is not
    // attributed to the new period's probe.
    expect((await api.admit('old'))._unsafeUnwrap()).toBe(true);
    api.ended('old', apiError(529));
    await settle();
    expect(api.state).toBe('open');
    api.ended('old', result({}));
    later(200);
    expect((await api.admit('new'))._unsafeUnwrap()).toBe(true);
    api.ended('old', result({}));
    await settle();
    expect(api.state).toBe('halfOpen');
    expect((await stored()).slice(1)).toEqual([
      B.PROBE_STARTED, B.PROBE_ABANDONED, B.PROBE_STARTED, B.PROBE_ABANDONED, B.PROBE_STARTED, B.PROBE_ABANDONED,
      B.PROBE_STARTED, B.CALL_FAILED, B.PROBE_STARTED,
    ]);
    await close();
  });
});
