/**
 * Tool approvals end to end (docs/approvals.md): the fake claude, started with `--permission-prompt-tool stdio`, asks
 * before a tool (`::tool NAME ARG`); rules decide without a human, or the session awaits one, who answers over REST or
 * WebSocket; the first answer wins, viewers cannot answer, no answer in time denies, an interrupt cancels. Real server
 * on loopback, JWT auth on so that users and roles are real.
 */
import { describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { AUTH_ON, bearerOf, callWith, testJwt } from '../support/auth-api.js';
import { waitForState } from '../pool/support.js';
import { WsClient, type Frame } from '../ws/ws-client.js';

interface StoredEvent {
  readonly revision: number;
  readonly type: string;
  readonly data: Record<string, any>;
}

const ADA = (): Promise<Record<string, string>> => bearerOf('ada', 'acme', 'user');

/** A session of ada's (with `body` options) and its editors/viewers, ready for a turn. */
async function session(api: TestApi, body: Record<string, unknown> = {}, participants: Record<string, 'editor' | 'viewer'> = {}): Promise<string> {
  const created = await callWith(api, 'POST', '/sessions', await ADA(), body);
  expect(created.status).toBe(201);
  const id = created.body.session.id as string;
  await waitForState(api.pool, id, 'ready');
  for (const [userId, role] of Object.entries(participants)) {
    expect((await callWith(api, 'POST', `/sessions/${id}/participants`, await ADA(), { userId, role })).status).toBe(200);
  }
  return id;
}

async function events(api: TestApi, id: string): Promise<StoredEvent[]> {
  return (await callWith(api, 'GET', `/sessions/${id}/events?limit=1000`, await ADA())).body.events as StoredEvent[];
}

/** Sends `text` as ada and waits for the session to await a human; resolves with the pending request. */
async function askedFor(api: TestApi, id: string, text: string): Promise<{ requestId: string; toolName: string; input: Record<string, unknown> }> {
  expect((await callWith(api, 'POST', `/sessions/${id}/messages`, await ADA(), { text })).status).toBe(202);
  const snapshot = await waitForState(api.pool, id, 'awaitingApproval');
  return snapshot.context.pendingApproval!;
}

/** The result text of the last completed turn. */
async function lastResult(api: TestApi, id: string): Promise<string> {
  await waitForState(api.pool, id, 'idle');
  const done = (await events(api, id)).filter((event) => event.type === 'TurnCompleted').at(-1);
  return String(done?.data['result']);
}

const metric = async (api: TestApi, line: string): Promise<number> => {
  const text = await (await fetch(`${api.url}/metrics`, { headers: await bearerOf('root', 'acme', 'admin') })).text();
  const found = text.split('\n').find((row) => row.startsWith(line));
  return found === undefined ? Number.NaN : Number(found.slice(line.length).trim());
};

describe('tool approvals', () => {
  it('decides by rule without a human: allow and deny, each decision naming its rule; the agent gets the answer', async () => {
    const api = await startTestApi(AUTH_ON);
    const rules = [
      { name: 'read-here', tool: 'Read', path: '{cwd}/**', action: 'allow' },
      { name: 'no-write-outside', tool: 'Write', path: '!{cwd}/**', action: 'deny' },
    ];
    const id = await session(api, { approvalRules: rules });
    expect((await callWith(api, 'POST', `/sessions/${id}/messages`, await ADA(), { text: 'go ::tool Read notes.txt ::tool Write /etc/passwd' })).status).toBe(202);
    const result = await lastResult(api, id);
    expect(result).toContain('tool Read: allowed {"file_path":"notes.txt"}');
    expect(result).toContain('tool Write: denied (Denied by rule session:no-write-outside.)');
    const decided = (await events(api, id)).filter((event) => event.type === 'ToolApprovalDecided').map((event) => event.data);
    expect(decided).toMatchObject([
      { toolName: 'Read', behavior: 'allow', decidedBy: 'policy', rule: 'session:read-here' },
      { toolName: 'Write', behavior: 'deny', decidedBy: 'policy', rule: 'session:no-write-outside' },
    ]);
    expect((await events(api, id)).some((event) => event.type === 'ToolApprovalRequested')).toBe(false);
    expect(await metric(api, 'aicli_tool_approvals_decided_total{outcome="allow",decided_by="policy"}')).toBe(1);
    expect(await metric(api, 'aicli_tool_approvals_decided_total{outcome="deny",decided_by="policy"}')).toBe(1);
    expect(await metric(api, 'aicli_tool_approvals_requested_total')).toBe(2);
  });

  it('a human allows with an edited input over REST; a second answer is a conflict; "always" allows the tool for the session', async () => {
    const api = await startTestApi(AUTH_ON);
    const id = await session(api, {}, { eve: 'editor' });
    const pending = await askedFor(api, id, 'run ::tool Bash ls');
    expect(pending).toMatchObject({ toolName: 'Bash', input: { command: 'ls' } });
    // The session view shows what waits, so a REST client needs no event scan to answer.
    const viewed = await callWith(api, 'GET', `/sessions/${id}`, await bearerOf('eve'));
    expect(viewed.body).toMatchObject({ state: 'awaitingApproval', pendingApproval: { requestId: pending.requestId, toolName: 'Bash', input: { command: 'ls' } } });
    const answer = await callWith(api, 'POST', `/sessions/${id}/approvals/${pending.requestId}`, await bearerOf('eve'), { behavior: 'allow', updatedInput: { command: 'ls -la' }, always: true });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ requestId: pending.requestId, toolName: 'Bash', behavior: 'allow' });
    const again = await callWith(api, 'POST', `/sessions/${id}/approvals/${pending.requestId}`, await ADA(), { behavior: 'deny' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'conflict', details: { requestId: pending.requestId } });
    expect(await lastResult(api, id)).toContain('tool Bash: allowed {"command":"ls -la"}');
    // Allowed for the rest of the session: the next Bash use needs nobody.
    expect((await callWith(api, 'POST', `/sessions/${id}/messages`, await ADA(), { text: 'again ::tool Bash pwd' })).status).toBe(202);
    await waitForState(api.pool, id, 'idle', (s) => s.context.usage.turns === 2);
    const decided = (await events(api, id)).filter((event) => event.type === 'ToolApprovalDecided').map((event) => event.data);
    expect(decided).toMatchObject([
      { behavior: 'allow', decidedBy: 'human', userId: 'eve', always: true, updatedInput: { command: 'ls -la' } },
      { behavior: 'allow', decidedBy: 'policy', rule: 'always:Bash' },
    ]);
    expect(await metric(api, 'aicli_tool_approvals_decided_total{outcome="allow",decided_by="human"}')).toBe(1);
    expect(await metric(api, 'aicli_tool_approval_decision_seconds_count{decided_by="human"}')).toBe(1);
  });

  it('every subscriber sees the request live; an editor denies over WebSocket; a viewer is refused; a racing second editor gets conflict', async () => {
    const api = await startTestApi(AUTH_ON);
    const id = await session(api, {}, { eve: 'editor', zed: 'editor', vic: 'viewer' });
    const connect = async (user: string): Promise<WsClient> => {
      const client = await WsClient.hello(`${api.wsUrl}/api/v1/ws`, { token: await testJwt(user, 'acme', 'user') });
      client.send({ type: 'subscribe', session: id, ref: 's' });
      await client.next((frame) => frame.type === 'subscribed');
      return client;
    };
    const [eve, zed, vic] = await Promise.all([connect('eve'), connect('zed'), connect('vic')]);
    const pending = await askedFor(api, id, 'please ::tool Bash rm_-rf_build');
    const requested = (client: WsClient): Promise<Frame> => client.next((frame) => frame.type === 'event' && frame['eventType'] === 'ToolApprovalRequested');
    const seen = await Promise.all([requested(eve), requested(zed), requested(vic)]);
    for (const frame of seen) expect(frame['data']).toMatchObject({ requestId: pending.requestId, toolName: 'Bash', input: { command: 'rm -rf build' } });

    vic.send({ type: 'approve', session: id, requestId: pending.requestId, behavior: 'allow', ref: 'v' });
    expect(await vic.next((frame) => frame['ref'] === 'v')).toMatchObject({ type: 'error', code: 'forbidden' });

    eve.send({ type: 'approve', session: id, requestId: pending.requestId, behavior: 'deny', message: 'not the build dir', ref: 'e' });
    zed.send({ type: 'approve', session: id, requestId: pending.requestId, behavior: 'allow', ref: 'z' });
    const answers = [await eve.next((frame) => frame['ref'] === 'e'), await zed.next((frame) => frame['ref'] === 'z')];
    // Exactly one answer wins, the other is a clear conflict.
    expect(answers.map((frame) => frame.type).sort()).toEqual(['approved', 'error']);
    expect(answers.find((frame) => frame.type === 'error')).toMatchObject({ code: 'conflict' });
    const winner = answers.find((frame) => frame.type === 'approved')!;
    const result = await lastResult(api, id);
    expect(result).toContain(winner['behavior'] === 'deny' ? 'tool Bash: denied (not the build dir)' : 'tool Bash: allowed');
    const decided = await vic.next((frame) => frame.type === 'event' && frame['eventType'] === 'ToolApprovalDecided');
    expect(decided['data']).toMatchObject({ requestId: pending.requestId, decidedBy: 'human', userId: winner['ref'] === 'e' ? 'eve' : 'zed' });
    for (const client of [eve, zed, vic]) client.close();
  });

  it('denies when nobody answers before agent.approval_timeout, recorded as ToolApprovalExpired', async () => {
    const api = await startTestApi({ ...AUTH_ON, 'agent.approval_timeout': '1s' });
    const id = await session(api);
    const pending = await askedFor(api, id, 'wait ::tool Bash sleep');
    expect(await lastResult(api, id)).toContain('tool Bash: denied (No one approved this tool use in time.)');
    const expired = (await events(api, id)).find((event) => event.type === 'ToolApprovalExpired');
    expect(expired?.data).toMatchObject({ requestId: pending.requestId, toolName: 'Bash', reason: 'timeout' });
    expect((await callWith(api, 'POST', `/sessions/${id}/approvals/${pending.requestId}`, await ADA(), { behavior: 'allow' })).status).toBe(409);
    expect(await metric(api, 'aicli_tool_approvals_decided_total{outcome="deny",decided_by="timeout"}')).toBe(1);
  });

  it('an interrupt cancels the pending approval (ToolApprovalCancelled) and the turn ends interrupted', async () => {
    const api = await startTestApi(AUTH_ON);
    const id = await session(api);
    const pending = await askedFor(api, id, 'then ::tool Bash make');
    expect((await callWith(api, 'POST', `/sessions/${id}/interrupt`, await ADA())).status).toBe(202);
    await waitForState(api.pool, id, 'idle');
    const stored = await events(api, id);
    expect(stored.find((event) => event.type === 'ToolApprovalCancelled')?.data).toMatchObject({ requestId: pending.requestId, reason: 'interrupted' });
    expect(stored.filter((event) => event.type === 'TurnCompleted').at(-1)?.data).toMatchObject({ isError: true });
    expect((await callWith(api, 'POST', `/sessions/${id}/approvals/${pending.requestId}`, await ADA(), { behavior: 'allow' })).status).toBe(409);
    // The session takes the next turn as usual.
    expect((await callWith(api, 'POST', `/sessions/${id}/messages`, await ADA(), { text: 'after' })).status).toBe(202);
    await waitForState(api.pool, id, 'idle', (s) => s.context.usage.turns === 2);
  });

  it('terminating cancels the pending approval in the same append as SessionTerminated', async () => {
    const api = await startTestApi(AUTH_ON);
    const id = await session(api);
    const pending = await askedFor(api, id, 'x ::tool Bash ls');
    expect((await callWith(api, 'DELETE', `/sessions/${id}`, await ADA())).status).toBe(200);
    const stored = await events(api, id);
    const at = stored.findIndex((event) => event.type === 'SessionTerminated');
    expect(stored.slice(at + 1).map((event) => [event.type, event.data['requestId'] ?? event.data['turnId'], event.data['reason']])).toEqual([
      ['ToolApprovalCancelled', pending.requestId, 'terminated'],
      ['TurnAborted', stored.find((event) => event.type === 'MessageAccepted')?.data['turnId'], 'terminated'],
    ]);
  });
});
