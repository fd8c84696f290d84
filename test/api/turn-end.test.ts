/**
 * Every accepted message ends in exactly one terminal event, over REST: `DELETE` of a busy session stores a
 * `TurnAborted` (reason `terminated`) for its running turn and every queued one, in the same append as
 * `SessionTerminated`.
 */
import { describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { waitForState } from '../pool/support.js';
import { callApi as call } from '../support/rest.js';

/** Slow turns must not count as stalls: `::slow 5000` prints nothing for seconds. */
const SLOW_OK = { 'agent.stall_timeout': '20s', 'agent.turn_timeout': '20s' } as const;

interface StoredEventView {
  readonly revision: number;
  readonly type: string;
  readonly data: { readonly turnId?: string; readonly reason?: string };
}

describe('turn lifecycle over REST', () => {
  it('DELETE of a busy session stores TurnAborted (terminated) for the running and the queued turns', async () => {
    const api = await startTestApi(SLOW_OK);
    const created = await call(api, 'POST', '/sessions', {});
    expect(created.status).toBe(201);
    const id = created.body.session.id as string;
    await waitForState(api.pool, id, 'ready');
    const running = await call(api, 'POST', `/sessions/${id}/messages`, { text: '::slow 5000' });
    expect(running.status).toBe(202);
    await waitForState(api.pool, id, 'busy');
    const queued = await call(api, 'POST', `/sessions/${id}/messages`, { text: 'after the slow one' });
    expect(queued.status).toBe(202);

    const ended = await call(api, 'DELETE', `/sessions/${id}`);
    expect(ended.status).toBe(200);

    const events = (await call(api, 'GET', `/sessions/${id}/events?limit=1000`)).body.events as StoredEventView[];
    expect(events.map((event) => event.revision)).toEqual(events.map((_, index) => index));
    const terminated = events.findIndex((event) => event.type === 'SessionTerminated');
    expect(terminated).toBeGreaterThan(0);
    expect(events.slice(terminated + 1).map(({ type, data }) => ({ type, turnId: data.turnId, reason: data.reason }))).toEqual([
      { type: 'TurnAborted', turnId: running.body.turnId, reason: 'terminated' },
      { type: 'TurnAborted', turnId: queued.body.turnId, reason: 'terminated' },
    ]);
    const view = await call(api, 'GET', `/sessions/${id}`);
    expect(view.body).toMatchObject({ state: 'terminated', revision: events.at(-1)?.revision });
  });
});
