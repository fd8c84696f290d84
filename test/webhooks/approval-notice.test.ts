/**
 * Tool approvals and webhooks together: a tool use the rules leave to a human (the fake claude asks with
 * `::tool NAME ARG`) reaches a webhook endpoint as a signed `approval.requested` naming the request to answer,
 * without the tool's input; answering it over REST then ends the turn.
 */
import { describe, expect, it } from 'vitest';
import { waitForState } from '../pool/support.js';
import { startTestApi } from '../support/api-server.js';
import { AUTH_ON, bearerOf, callWith } from '../support/auth-api.js';
import { startReceiver } from '../support/webhook-receiver.js';
import { eventually } from '../agent/support.js';
import { startDispatcher } from './support.js';

describe('webhooks of tool approvals', () => {
  it('a pending approval is delivered as approval.requested with its request id and no tool input', async () => {
    const api = await startTestApi(AUTH_ON);
    const receiver = await startReceiver([204]);
    await startDispatcher(api.store, [{ id: 'team', url: receiver.url, events: ['approval.requested'] }]);
    const ada = await bearerOf('ada', 'acme', 'user');
    const created = await callWith(api, 'POST', '/sessions', ada, {});
    expect(created.status).toBe(201);
    const id = created.body.session.id as string;
    await waitForState(api.pool, id, 'ready');
    expect((await callWith(api, 'POST', `/sessions/${id}/messages`, ada, { text: 'run ::tool Bash cat_/etc/hostname' })).status).toBe(202);
    const pending = (await waitForState(api.pool, id, 'awaitingApproval')).context.pendingApproval!;

    await eventually(() => receiver.received.length === 1, 10_000);
    const notice = JSON.parse(receiver.received[0]!.body) as Record<string, any>;
    expect(notice).toMatchObject({ type: 'approval.requested', tenant: 'acme', sessionId: id, data: { requestId: pending.requestId, toolName: 'Bash', turnId: pending.turnId } });
    expect(receiver.received[0]!.body).not.toContain('/etc/hostname');

    const answered = await callWith(api, 'POST', `/sessions/${id}/approvals/${pending.requestId}`, ada, { behavior: 'deny', message: 'not here' });
    expect(answered.status).toBe(200);
    await waitForState(api.pool, id, 'idle');
    expect(receiver.received).toHaveLength(1);
  }, 30_000);
});
