/** One webhook attempt against receivers on loopback: each way it can end. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postWebhook } from '../../src/webhooks/index.js';
import { refusedUrl, startReceiver } from '../support/webhook-receiver.js';

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

describe('postWebhook', () => {
  it('sends the body and headers, and tells a 2xx from another status', async () => {
    const receiver = await startReceiver([204, 500]);
    expect(await postWebhook(receiver.url, { 'x-aicli-event': 'turn.completed', 'content-type': 'application/json' }, '{"a":1}', 2_000)).toMatchObject({ ok: true, status: 204 });
    expect(await postWebhook(receiver.url, {}, '{}', 2_000)).toMatchObject({ ok: false, status: 500, error: 'http_500' });
    expect(receiver.received[0]).toMatchObject({ body: '{"a":1}', headers: { 'x-aicli-event': 'turn.completed', 'content-length': '7' } });
  });

  it('does not follow a redirect', async () => {
    const target = await startReceiver();
    const server = createServer((_request, response) => response.writeHead(302, { location: target.url }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    expect(await postWebhook(url, {}, '{}', 2_000)).toMatchObject({ ok: false, status: 302, error: 'http_302' });
    expect(target.received).toHaveLength(0);
  });

  it('ends a request that gets no answer at the deadline, and one whose caller aborts', async () => {
    const hanging = await startReceiver(['hang']);
    const timedOut = await postWebhook(hanging.url, {}, '{}', 300);
    expect(timedOut).toMatchObject({ ok: false, error: 'timeout' });
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(290);
    const controller = new AbortController();
    const aborted = postWebhook(hanging.url, {}, '{}', 30_000, controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect(await aborted).toMatchObject({ ok: false, error: 'network' });
  });

  it('reports a refused connection', async () => {
    expect(await postWebhook(await refusedUrl(), {}, '{}', 2_000)).toMatchObject({ ok: false, error: 'network' });
  });

  it('reuses connections across attempts (keep-alive)', async () => {
    const ports = new Set<number>();
    const server = createServer((request, response) => {
      ports.add(request.socket.remotePort!);
      request.resume();
      request.on('end', () => response.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => (server.closeAllConnections(), server.close()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    for (let n = 0; n < 5; n++) expect((await postWebhook(url, {}, '{}', 2_000)).ok).toBe(true);
    expect(ports.size).toBe(1);
  });
});
