/**
 * End-to-end limits on connections that have not said `hello` (issue 11, defect 10): silent sockets can never
 * lock valid clients out. Beyond `max_unauthenticated` (and `max_unauthenticated_per_address`) the oldest silent
 * socket is closed with 1013, a client that says `hello` at once still connects and works, a client with
 * credentials on the upgrade does not count, and a silent socket is closed after `hello_timeout` with 4001.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/pool/index.js';
import { eventually } from '../agent/support.js';
import { startTestApi } from '../support/api-server.js';
import { WsClient } from './ws-client.js';

const PATH = '/api/v1/ws';
const CROWDED = { code: 1013, reason: 'too many connections waiting for hello' };

/** Opens `count` sockets that never say hello (from `localAddress`, a loopback address of this host). */
const silent = (url: string, count: number, localAddress = '127.0.0.1'): Promise<WsClient[]> =>
  Promise.all(Array.from({ length: count }, () => WsClient.open(url, { localAddress })));

describe('websocket connections without hello', () => {
  it('closes the oldest silent sockets beyond the cap, so a valid client still connects and works', async () => {
    const api = await startTestApi({
      'web_interface.websocket.max_connections': 10,
      'web_interface.websocket.max_unauthenticated': 5,
      'web_interface.websocket.max_unauthenticated_per_address': 5,
    });
    const url = `${api.wsUrl}${PATH}`;
    const id = (await api.pool.create({ tenant: 'acme', userId: 'ada', options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap().sessionId;
    const flood: WsClient[] = [];
    for (let round = 0; round < 4; round++) flood.push(...(await silent(url, 5)));
    await eventually(() => api.server.ws.status().connections.open === 5);
    const closed = await Promise.all(flood.slice(0, 15).map((client) => client.closed));
    expect(closed).toEqual(Array.from({ length: 15 }, () => CROWDED));
    const valid = await WsClient.hello(url, { userId: 'ada', tenant: 'acme' });
    expect(valid.frames[0]).toMatchObject({ type: 'welcome', userId: 'ada' });
    valid.send({ type: 'send', session: id, text: 'still here', clientMsgId: 'c1', ref: 'c1' });
    expect(await valid.next((frame) => frame['ref'] === 'c1')).toMatchObject({ type: 'ack', clientMsgId: 'c1' });
    expect(api.server.ws.status().connections.refused).toBe(0);
    expect(api.server.ws.status().dropped['hello_crowded']).toBe(16);
    valid.close();
  });

  it('caps silent sockets per remote address, leaving other addresses alone', async () => {
    const api = await startTestApi({
      'web_interface.websocket.max_unauthenticated': 100,
      'web_interface.websocket.max_unauthenticated_per_address': 3,
    });
    const url = `${api.wsUrl}${PATH}`;
    const others = await silent(url, 3, '127.0.0.3');
    const flood = [...(await silent(url, 3, '127.0.0.2')), ...(await silent(url, 2, '127.0.0.2'))];
    expect(await Promise.all(flood.slice(0, 2).map((client) => client.closed))).toEqual([CROWDED, CROWDED]);
    await eventually(() => api.server.ws.status().connections.open === 6);
    for (const client of [...others, ...flood.slice(2)]) expect(client.socket.readyState).toBe(client.socket.OPEN);
  });

  it('does not count a client with credentials on the upgrade, even when the server is full of silent sockets', async () => {
    const key = 'ak_ws_hello_0123456789';
    const api = await startTestApi({
      'auth.enabled': true,
      'auth.jwt.secret': 'a-websocket-test-secret-long-enough-for-hs256',
      'auth.api_keys': JSON.stringify([{ id: 'bot', key_sha256: createHash('sha256').update(key).digest('hex'), role: 'operator', tenant: 'acme' }]),
      'web_interface.websocket.max_connections': 3,
      'web_interface.websocket.max_unauthenticated': 3,
    });
    const url = `${api.wsUrl}${PATH}`;
    const flood = await silent(url, 3);
    const valid = await WsClient.hello(`${url}?token=${key}`);
    expect(valid.frames[0]).toMatchObject({ type: 'welcome', role: 'operator' });
    expect(await flood[0]?.closed).toEqual(CROWDED);
    await eventually(() => api.server.ws.status().connections.open === 3);
    expect(api.server.ws.status().connections.refused).toBe(0);
    valid.close();
  });

  it('closes a socket that does not say hello within hello_timeout with 4001 "hello timeout"', async () => {
    const api = await startTestApi({ 'web_interface.websocket.hello_timeout': '300ms' });
    const quiet = await WsClient.open(`${api.wsUrl}${PATH}`);
    expect(await quiet.closed).toEqual({ code: 4001, reason: 'hello timeout' });
    expect(api.server.ws.status().dropped).toEqual({ hello_timeout: 1 });
  });
});
