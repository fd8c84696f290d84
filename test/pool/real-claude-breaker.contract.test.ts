/**
 * Contract test through the pool with the real Claude Code CLI (devDependency), kept on loopback: an invalid key
 * and `ANTHROPIC_BASE_URL` at a local server answering 529. The CLI's `system/api_retry` lines reach the
 * `anthropic-api` circuit breaker, which opens; further messages are refused fast; nothing is left running.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BREAKER_PERSISTED_NAME as B } from '../../machines/index.js';
import { POOL_BREAKERS } from '../../src/pool/index.js';
import { openTestPool, request, streamEvents, until, waitForState } from './support.js';
import { startOverloadedApi, type OverloadedApi } from '../support/overloaded-api.js';

const REAL_CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
const present = existsSync(REAL_CLAUDE);

/**
 * A pool running the real CLI against `api` (the agents' environment holds no other Anthropic or Claude Code
 * setting), whose breakers open after two failures for `openDuration`; `extraEnv` is added to the agents' environment.
 */
async function openRealClaudePool(api: OverloadedApi, openDuration: string, extraEnv: Record<string, string> = {}) {
  const opened = await openTestPool({
    'agent.command': REAL_CLAUDE,
    'agent.start_timeout': '20s',
    'agent.stall_timeout': '20s',
    'agent.turn_timeout': '30s',
    'agent.kill_grace': '1s',
    'error_recovery.circuit_breaker.consecutive_failure_threshold': 2,
    'error_recovery.circuit_breaker.open_duration': openDuration,
  });
  const { env } = opened;
  for (const key of Object.keys(env)) if (key.startsWith('ANTHROPIC_') || key.startsWith('CLAUDE_')) delete env[key];
  Object.assign(env, api.env, extraEnv);
  return opened;
}

describe.skipIf(!present)('contract: the real Claude Code CLI in the pool', () => {
  let api: OverloadedApi;

  beforeAll(async () => {
    api = await startOverloadedApi();
  });

  afterAll(() => api.close());

  it('feeds api_retry lines to the anthropic-api breaker, which opens and refuses further messages', async () => {
    const { pool, store } = await openRealClaudePool(api, '1m');
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    const ready = await waitForState(pool, sessionId, 'ready', () => true, 25_000);
    expect(ready.context.claudeSessionId).toBe(sessionId);
    (await pool.send(sessionId, { userId: 'ada', text: 'hello' }))._unsafeUnwrap();
    await until('the anthropic-api breaker to open', () => pool.status().breakers[POOL_BREAKERS.api] === 'open', 25_000);
    const breaker = await streamEvents(store, `breaker-${POOL_BREAKERS.api}`);
    expect(breaker.filter((event) => event.type === B.CALL_FAILED).map((event) => event.data.errorKind)).toEqual(['http_529', 'http_529']);
    expect((await pool.send(sessionId, { userId: 'ada', text: 'again' }))._unsafeUnwrapErr()).toMatchObject({ kind: 'BreakerOpen', breaker: POOL_BREAKERS.api });
    (await pool.terminate(sessionId))._unsafeUnwrap();
    await until('the process to exit', () => pool.ownedPids().length === 0, 10_000);
  }, 60_000);

  it('does not stick in halfOpen: the next message is a probe, and its failed turn re-opens the breaker (issue 11, defect 4)', async () => {
    // Two retries per request, so a turn ends in seconds with the CLI's API-error result instead of minutes.
    const { pool, store } = await openRealClaudePool(api, '1s', { CLAUDE_CODE_MAX_RETRIES: '2' });
    const state = (): string | undefined => pool.status().breakers[POOL_BREAKERS.api];
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready', () => true, 25_000);
    (await pool.send(sessionId, { userId: 'ada', text: 'hello' }))._unsafeUnwrap();
    await until('the anthropic-api breaker to open', () => state() === 'open', 25_000);
    const first = await waitForState(pool, sessionId, 'idle', () => true, 25_000);
    expect(first.context.usage.turns).toBe(1);
    await until('the breaker to go half-open', () => state() === 'halfOpen', 5_000);
    (await pool.send(sessionId, { userId: 'ada', text: 'are you back?' }))._unsafeUnwrap();
    await until('the failed probe to re-open the breaker', () => state() === 'open', 25_000);
    const events = (await streamEvents(store, `breaker-${POOL_BREAKERS.api}`)).map((event) => event.type);
    expect(events.slice(events.indexOf(B.PROBE_STARTED))).toEqual([B.PROBE_STARTED, B.CALL_FAILED]);
    expect(events.filter((type) => type === B.TIMER_ELAPSED)).toHaveLength(1);
    (await pool.terminate(sessionId))._unsafeUnwrap();
    await until('the process to exit', () => pool.ownedPids().length === 0, 10_000);
  }, 90_000);
});
