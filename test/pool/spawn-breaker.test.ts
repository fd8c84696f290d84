import { describe, expect, it } from 'vitest';
import { BREAKER_PERSISTED_NAME as B, SESSION_PERSISTED_NAME as S } from '../../machines/index.js';
import { POOL_BREAKERS, POOL_ERROR_KIND } from '../../src/pool/index.js';
import { RUNTIME_EVENT_TYPE, STREAM_PREFIX } from '../../src/runtime/index.js';
import { collectNotices, openTestPool, request, streamEvents, until, waitForState } from './support.js';

const SPAWN_STREAM = `${STREAM_PREFIX.breaker}${POOL_BREAKERS.spawn}`;

describe('session pool: a storm of failed agent starts', () => {
  it('opens the agent-spawn breaker, fails further starts fast, and closes it again through a half-open probe', async () => {
    const { pool, store, env } = await openTestPool({
      'error_recovery.circuit_breaker.consecutive_failure_threshold': 3,
      'error_recovery.circuit_breaker.open_duration': '500ms',
    });
    const notices = collectNotices(pool);
    const spawnBreaker = (): string | undefined => pool.status().breakers[POOL_BREAKERS.spawn];
    const breakerEvents = async (): Promise<{ type: string; data: Record<string, unknown> }[]> =>
      (await streamEvents(store, SPAWN_STREAM)).filter((event) => event.type !== RUNTIME_EVENT_TYPE.breakerCreated);
    env.FAKE_CLAUDE_FAULT = 'crash-on-start';

    // The first session's start is retried until the breaker trips on the third failure in a row.
    const first = (await pool.create(request('ada')))._unsafeUnwrap().sessionId;
    await until('the agent-spawn breaker to open', () => spawnBreaker() === 'open');
    const tripped = await breakerEvents();
    // Three failures trip it; under load a fourth start can begin before the third failure is stored.
    expect(tripped.length).toBeGreaterThanOrEqual(3);
    expect(tripped.map((event) => [event.type, event.data.errorKind])).toEqual(tripped.map(() => [B.CALL_FAILED, 'StartFailed']));

    // While open, a new session's start is refused at once: no process, no call recorded. The session is not
    // given up: it waits for the breaker to let a probe through.
    const second = (await pool.create(request('bob')))._unsafeUnwrap().sessionId;
    await until('the second start to be refused', () => notices.some((notice) => notice.kind === 'startFailed' && notice.sessionId === second));
    expect(spawnBreaker()).toBe('open');
    expect(notices).toContainEqual({ kind: 'startFailed', sessionId: second, error: expect.objectContaining({ kind: POOL_ERROR_KIND.BreakerOpen, breaker: POOL_BREAKERS.spawn }) });
    await until('the first start to be given up', () => notices.some((notice) => notice.kind === 'startFailed' && notice.sessionId === first));
    const secondEvents = await streamEvents(store, `${STREAM_PREFIX.session}${second}`);
    expect(secondEvents.map((event) => event.type)).not.toContain(S.AGENT_SPAWNED);
    expect(await breakerEvents()).toHaveLength(tripped.length);
    expect(pool.ownedPids()).toEqual([]);
    for (const id of [first, second]) expect((await pool.snapshot(id))._unsafeUnwrap().value).not.toBe('failed');

    // The cause goes away; once the open period is over, a probe start succeeds and closes the breaker, and the
    // waiting sessions start.
    delete env.FAKE_CLAUDE_FAULT;
    await waitForState(pool, first, 'ready');
    await waitForState(pool, second, 'ready');
    expect(spawnBreaker()).toBe('closed');
    const healed = (await breakerEvents()).slice(tripped.length).map((event) => event.type);
    expect(healed).toEqual(expect.arrayContaining([B.PROBE_STARTED, B.CALL_SUCCEEDED]));
    expect(healed).not.toContain(B.CALL_FAILED);
    const third = (await pool.create(request('cy')))._unsafeUnwrap().sessionId;
    await waitForState(pool, third, 'ready');

    (await pool.send(third, { userId: 'cy', text: 'hello' }))._unsafeUnwrap();
    await waitForState(pool, third, 'idle', (s) => s.context.usage.turns === 1);
  });
});
