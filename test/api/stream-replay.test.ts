/** `GET /api/v1/streams/:stream/replay`: breaker and pool streams replayed for operators; nothing else, nobody else. */
import { describe, expect, it } from 'vitest';
import { startTestApi } from '../support/api-server.js';
import { AUTH_ON, bearerOf, callWith } from '../support/auth-api.js';

describe('GET /api/v1/streams/:stream/replay', () => {
  it('replays the pool and each breaker, to the end or to a revision; refuses session streams and callers without status:read', async () => {
    const api = await startTestApi(AUTH_ON);
    const ops = await bearerOf('ops', 'acme', 'operator');
    const pool = (await callWith(api, 'GET', '/session-pool/status', ops)).body;
    const whole = await callWith(api, 'GET', `/streams/pool-${pool.name}/replay`, ops);
    expect(whole.status).toBe(200);
    expect(whole.body).toMatchObject({ stream: `pool-${pool.name}`, machine: expect.any(String), state: { revision: expect.any(Number) } });
    expect(whole.body.entries[0]).toMatchObject({ revision: 0, from: null, accepted: true });
    expect(whole.body.entries.map((entry: { revision: number }) => entry.revision)).toEqual(whole.body.entries.map((_: unknown, index: number) => index));
    const first = await callWith(api, 'GET', `/streams/pool-${pool.name}/replay?at=0`, ops);
    expect(first.body.state.revision).toBe(0);
    expect(first.body.entries).toHaveLength(1);

    const breakers = Object.keys((await callWith(api, 'GET', '/breakers', ops)).body.breakers);
    expect(breakers.length).toBeGreaterThan(0);
    for (const name of breakers) {
      const replay = await callWith(api, 'GET', `/streams/breaker-${name}/replay`, ops);
      // A breaker that never changed state may have no stream yet.
      expect([200, 404]).toContain(replay.status);
    }

    const id = (await callWith(api, 'POST', '/sessions', ops, {})).body.session.id as string;
    expect((await callWith(api, 'GET', `/streams/session-${id}/replay`, ops)).status).toBe(404);
    expect((await callWith(api, 'GET', '/streams/breaker-nope/replay', ops)).status).toBe(404);
    expect((await callWith(api, 'GET', `/streams/pool-${pool.name}/replay?at=100000`, ops)).body.error.code).toBe('not_found');
    expect((await callWith(api, 'GET', `/streams/pool-${pool.name}/replay`, await bearerOf('ada', 'acme', 'user'))).status).toBe(403);
  });
});
