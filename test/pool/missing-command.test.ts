/**
 * Issue 11, defect 7: with no `claude` on PATH the session's start was tried four times within 5 ms (the first start
 * and three recoveries). A missing binary is not transient: it is tried once and the session fails at once, with an
 * error naming the command and the PATH searched.
 */
import { describe, expect, it } from 'vitest';
import { SESSION_PERSISTED_NAME as S } from '../../machines/index.js';
import { collectNotices, openTestPool, request, streamEvents, waitForState } from './support.js';

describe('session pool: the agent command is missing', () => {
  it('tries the start once, fails the session at once, and names the command and PATH', async () => {
    const { pool, store } = await openTestPool({ 'agent.command': 'claude-not-installed-here' });
    const notices = collectNotices(pool);
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    const failed = await waitForState(pool, sessionId, 'failed');

    const starts = notices.filter((notice) => notice.kind === 'startFailed');
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({ error: { kind: 'Agent', error: { kind: 'AgentCommandNotFound', command: 'claude-not-installed-here', searched: process.env['PATH'] } } });
    const detail = failed.context.lastFault?.detail ?? '';
    expect(detail).toContain('agent.command "claude-not-installed-here": not found on PATH (searched PATH=');
    expect(detail).toContain('not retried');
    const events = await streamEvents(store, `session-${sessionId}`);
    expect(events.map((event) => event.type)).not.toContain(S.AGENT_SPAWNED);
    expect(pool.ownedPids()).toEqual([]);
  });
});
