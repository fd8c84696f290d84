/**
 * From a log line to the history and back: a request's id (`x-request-id`, or the one the server made) and a
 * WebSocket connection's id (with the frame's `ref`) are the `metadata.correlationId` of the session events they
 * stored, and the log names the same ids.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SESSION_PERSISTED_NAME, SESSION_PROVISIONED, STREAM_PREFIX } from '../../machines/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { startTestApi } from '../support/api-server.js';
import { WsClient } from '../ws/ws-client.js';

const HEADERS = { 'content-type': 'application/json', 'x-user-id': 'ada', 'x-tenant-id': 'acme' };

/** A debug logger whose lines the test reads. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}

describe('request and connection ids in the stored events and the log', () => {
  it('REST: the request id is the correlationId of the session it created and of the message it sent', async () => {
    const { logger, lines } = capturedLogger();
    const api = await startTestApi({}, { logger });
    const created = await fetch(`${api.url}/api/v1/sessions`, { method: 'POST', headers: { ...HEADERS, 'x-request-id': 'req-create-1' }, body: '{}' });
    const sessionId = ((await created.json()) as { session: { id: string } }).session.id;
    const sent = await fetch(`${api.url}/api/v1/sessions/${sessionId}/messages`, { method: 'POST', headers: { ...HEADERS, 'x-request-id': 'req-send-1' }, body: JSON.stringify({ text: 'hi' }) });
    expect(sent.status).toBe(202);
    const events = (await api.store.readStream(`${STREAM_PREFIX.session}${sessionId}`))._unsafeUnwrap();
    expect(events.find((event) => event.type === SESSION_PROVISIONED)?.metadata['correlationId']).toBe('req-create-1');
    expect(events.find((event) => event.type === SESSION_PERSISTED_NAME.MESSAGE_ACCEPTED)?.metadata['correlationId']).toBe('req-send-1');
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'HTTP request', requestId: 'req-send-1', method: 'POST', route: '/api/v1/sessions/:id/messages', status: 202 }));
  });

  it('WebSocket: the connection id and the frame ref are the correlationId of the message it sent; the log names the connection', async () => {
    const { logger, lines } = capturedLogger();
    const api = await startTestApi({}, { logger });
    const created = await fetch(`${api.url}/api/v1/sessions`, { method: 'POST', headers: HEADERS, body: '{}' });
    const sessionId = ((await created.json()) as { session: { id: string } }).session.id;
    const client = await WsClient.hello(`${api.wsUrl}/api/v1/ws`, { userId: 'ada', tenant: 'acme' });
    const connectionId = String(client.frames.find((frame) => frame.type === 'welcome')?.['connectionId']);
    client.send({ type: 'send', session: sessionId, text: 'hi', clientMsgId: 'm1', ref: 'r1' });
    await client.next((frame) => frame.type === 'ack');
    const events = (await api.store.readStream(`${STREAM_PREFIX.session}${sessionId}`))._unsafeUnwrap();
    expect(events.find((event) => event.type === SESSION_PERSISTED_NAME.MESSAGE_ACCEPTED)?.metadata['correlationId']).toBe(`${connectionId}/r1`);
    client.close();
    await client.closed;
    await expect.poll(() => lines.filter((line) => line['connectionId'] === connectionId).map((line) => line['msg'])).toEqual(['websocket: connection opened', 'websocket: connection closed']);
  });
});
