/**
 * A tool approval pending when the server stops is neither lost nor left waiting (docs/approvals.md, "Restarts"):
 * after a crash, the next server finds the session awaiting approval with its process gone, and the session's
 * recovery stores the request as `ToolApprovalCancelled` (reason `agent-fault`) with the aborted turn; after a clean
 * stop, the hibernation cancels it (reason `shutdown`). Either way an answer sent afterwards is a conflict, and the
 * session takes the next turn, whose tool use asks again.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { POOL_ERROR_KIND, type SessionPool } from '../../src/pool/index.js';
import { STREAM_PREFIX } from '../../src/runtime/index.js';
import { openTestPool, POOL_RUNNER, request, streamEvents, waitForState } from './support.js';

const APPROVALS_ON = { 'approvals.enabled': true } as const;

/** After the restart the old request is settled, an answer to it is refused, and a new turn asks anew. */
async function asksAgain(pool: SessionPool, sessionId: string, userId: string, oldRequest: string): Promise<void> {
  const late = await pool.decideApproval(sessionId, oldRequest, { userId, behavior: 'allow' });
  expect(late._unsafeUnwrapErr()).toMatchObject({ kind: POOL_ERROR_KIND.ApprovalNotPending, requestId: oldRequest });
  (await pool.send(sessionId, { userId, text: 'again ::tool Bash make' }))._unsafeUnwrap();
  const waiting = await waitForState(pool, sessionId, 'awaitingApproval');
  expect(waiting.context.pendingApproval?.requestId).not.toBe(oldRequest);
  (await pool.decideApproval(sessionId, waiting.context.pendingApproval!.requestId, { userId, behavior: 'allow' }))._unsafeUnwrap();
  await waitForState(pool, sessionId, 'idle', (s) => s.context.pendingApproval == null && s.context.currentTurn === null);
}

describe('tool approvals across restarts', () => {
  it('after a crash, the pending approval is cancelled (agent-fault) with its turn, and the session goes on', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aicli-approval-restart-'));
    const runner = spawn(process.execPath, ['--import', 'tsx', POOL_RUNNER, root, 'approval'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: runner.stdout! }), 'line')) as [string];
    const { busy, slowTurn } = JSON.parse(line) as { busy: string; slowTurn: string };
    runner.kill('SIGKILL');
    await once(runner, 'close');

    const { pool, store } = await openTestPool(APPROVALS_ON, {}, { root, storeUrl: `sqlite:${join(root, 'events.db')}` });
    const before = await streamEvents(store, `${STREAM_PREFIX.session}${busy}`);
    const requested = before.find((event) => event.type === 'ToolApprovalRequested');
    expect(requested?.data).toMatchObject({ turnId: slowTurn, toolName: 'Bash', input: { command: 'make' } });
    const requestId = requested!.data['requestId'] as string;
    await waitForState(pool, busy, 'ready');
    const events = await streamEvents(store, `${STREAM_PREFIX.session}${busy}`);
    const fault = events.findIndex((event) => event.type === 'AgentFaulted');
    expect(fault).toBeGreaterThan(events.indexOf(requested!));
    expect(events.slice(fault + 1, fault + 3).map((event) => [event.type, event.data['reason']])).toEqual([
      ['ToolApprovalCancelled', 'agent-fault'],
      ['TurnAborted', 'agent-fault'],
    ]);
    expect(events[fault + 1]?.data).toMatchObject({ requestId, turnId: slowTurn });
    await asksAgain(pool, busy, 'bob', requestId);
  }, 30_000);

  it('a clean stop cancels the pending approval (shutdown); the next server finds the session hibernated, nothing pending', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aicli-approval-stop-'));
    const where = { root, storeUrl: `sqlite:${join(root, 'events.db')}` };
    const first = await openTestPool(APPROVALS_ON, {}, where);
    const sessionId = (await first.pool.create(request('ada')))._unsafeUnwrap().sessionId;
    await waitForState(first.pool, sessionId, 'ready');
    (await first.pool.send(sessionId, { userId: 'ada', text: 'deploy ::tool Bash deploy' }))._unsafeUnwrap();
    const requestId = (await waitForState(first.pool, sessionId, 'awaitingApproval')).context.pendingApproval!.requestId;
    await first.pool.close();

    const { pool, store } = await openTestPool(APPROVALS_ON, {}, where);
    expect((await pool.snapshot(sessionId))._unsafeUnwrap()).toMatchObject({ value: 'hibernated', context: { pendingApproval: null } });
    const events = await streamEvents(store, `${STREAM_PREFIX.session}${sessionId}`);
    expect(events.find((event) => event.type === 'ToolApprovalCancelled')?.data).toMatchObject({ requestId, reason: 'shutdown' });
    await asksAgain(pool, sessionId, 'ada', requestId);
  }, 30_000);
});
