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

describe.skipIf(!present)('contract: the real Claude Code CLI in the pool', () => {
  let api: OverloadedApi;

  beforeAll(async () => {
    api = await startOverloadedApi();
  });

  afterAll(() => api.close());

  it('feeds api_retry lines to the anthropic-api breaker, which opens and refuses further messages', async () => {
    const { pool, store, env } = await openTestPool({
      'agent.command': REAL_CLAUDE,
      'agent.start_timeout': '20s',
      'agent.stall_timeout': '20s',
      'agent.turn_timeout': '30s',
      'agent.kill_grace': '1s',
      'error_recovery.circuit_breaker.consecutive_failure_threshold': 2,
      'error_recovery.circuit_breaker.open_duration': '1m',
    });
    for (const key of Object.keys(env)) if (key.startsWith('ANTHROPIC_') || key.startsWith('CLAUDE_')) delete env[key];
    Object.assign(env, api.env);
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
});
