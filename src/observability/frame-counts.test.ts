import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FrameCounts } from './frame-counts.js';

describe('WebSocket frame counts', () => {
  it('counts frames by type from 0: received by parsed type, sent by the start of the serialised frame', async () => {
    const counts = new FrameCounts(['hello', 'send'], ['event', 'ack']);
    const registry = new Registry();
    counts.register(registry);
    expect(await registry.metrics()).toContain('aicli_websocket_frames_sent_total{type="ack"} 0');
    counts.received('send');
    counts.received('nonsense');
    counts.sent(JSON.stringify({ type: 'event', session: 's' }), 3);
    counts.sent(JSON.stringify({ type: 'ack' }));
    counts.sent(JSON.stringify({ type: 'eventually' }));
    const body = await registry.metrics();
    for (const line of [
      'aicli_websocket_frames_received_total{type="hello"} 0',
      'aicli_websocket_frames_received_total{type="send"} 1',
      'aicli_websocket_frames_received_total{type="other"} 1',
      'aicli_websocket_frames_sent_total{type="event"} 3',
      'aicli_websocket_frames_sent_total{type="ack"} 1',
      'aicli_websocket_frames_sent_total{type="other"} 1',
    ]) {
      expect(body).toContain(line);
    }
  });
});
