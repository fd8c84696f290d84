/**
 * End-to-end: a WebSocket `send` is held to the REST message schema: text over the REST cap
 * (`MAX_MESSAGE_CHARS`) and unknown fields get an `error` frame (`validation_failed`, naming the limit or the
 * field), nothing is stored, and the connection keeps working.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/pool/index.js';
import { MAX_MESSAGE_CHARS } from '../../src/server/routes/schemas.js';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { WsClient } from './ws-client.js';

const PATH = '/api/v1/ws';

async function session(api: TestApi): Promise<string> {
  return (await api.pool.create({ tenant: 'acme', userId: 'ada', options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap().sessionId;
}

describe('websocket send limits', () => {
  it('refuses a send over the REST text cap and one with an unknown field, storing nothing', async () => {
    const api = await startTestApi();
    const id = await session(api);
    const before = (await api.store.readStream(`session-${id}`))._unsafeUnwrap().length;
    const client = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    client.send({ type: 'send', session: id, text: 'x'.repeat(MAX_MESSAGE_CHARS + 1), clientMsgId: 'big', ref: 'big' });
    const big = await client.next((frame) => frame['ref'] === 'big');
    expect(big).toMatchObject({ type: 'error', code: 'validation_failed' });
    expect(big['message']).toContain(String(MAX_MESSAGE_CHARS));
    client.send({ type: 'send', session: id, text: 'hi', clientMsgId: 'extra', ref: 'extra', priority: 'high' });
    const extra = await client.next((frame) => frame['ref'] === 'extra');
    expect(extra).toMatchObject({ type: 'error', code: 'validation_failed', message: expect.stringContaining('priority') });
    expect((await api.store.readStream(`session-${id}`))._unsafeUnwrap().length).toBe(before);
    client.send({ type: 'send', session: id, text: 'x'.repeat(MAX_MESSAGE_CHARS), clientMsgId: 'max', ref: 'max' });
    expect(await client.next((frame) => frame['ref'] === 'max')).toMatchObject({ type: 'ack', clientMsgId: 'max', duplicate: false });
    client.close();
  });
});
