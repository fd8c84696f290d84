/**
 * Resuming without loss over `/api/v1/ws`: a client disconnects mid-stream and reconnects with
 * `fromRevision = last seen + 1`; the union of what it received equals the stored stream, with no gap and no
 * duplicate, even while events keep being appended during its history read.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/pool/index.js';
import { eventually } from '../agent/support.js';
import { startTestApi } from '../support/api-server.js';
import { WsClient, type Frame } from './ws-client.js';

const PATH = '/api/v1/ws';
const revisions = (frames: readonly Frame[]): number[] => frames.map((frame) => frame['revision'] as number);

describe('websocket resume', () => {
  it('reconnects with fromRevision and gets every event exactly once', async () => {
    const api = await startTestApi();
    const id = (await api.pool.create({ tenant: 'acme', userId: 'ada', options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap().sessionId;
    const writer = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    const first = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    first.send({ type: 'subscribe', session: id, fromRevision: 0 });
    await first.next((frame) => frame.type === 'subscribed');
    writer.send({ type: 'send', session: id, text: '::slow 300 first', clientMsgId: 'm1' });
    await first.next((frame) => frame.type === 'event' && frame['eventType'] === 'MessageAccepted');
    first.close();
    await first.closed;
    const before = revisions(first.events(id));

    // Keep appending while the second connection reads its history.
    for (let index = 2; index <= 6; index++) writer.send({ type: 'send', session: id, text: `message ${index}`, clientMsgId: `m${index}` });
    const second = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    const resumeFrom = before[before.length - 1]! + 1;
    second.send({ type: 'subscribe', session: id, fromRevision: resumeFrom });
    expect(await second.next((frame) => frame.type === 'subscribed')).toMatchObject({ fromRevision: resumeFrom });
    await second.next(() => second.events(id).filter((frame) => frame['eventType'] === 'TurnCompleted').length >= 6, 15_000);

    const stored = (await api.store.readStream(`session-${id}`))._unsafeUnwrap();
    await eventually(() => revisions(second.events(id)).at(-1) === Number(stored.at(-1)!.revision));
    const union = [...before, ...revisions(second.events(id))];
    expect(union).toEqual(stored.map((event) => Number(event.revision)));
    expect(second.events(id).map((frame) => frame['eventType'])).toEqual(stored.slice(resumeFrom).map((event) => event.type));
    writer.close();
    second.close();
  }, 30_000);

  it('sends history then live events without gap or duplicate for many concurrent subscribers', async () => {
    const api = await startTestApi();
    const id = (await api.pool.create({ tenant: 'acme', userId: 'ada', options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap().sessionId;
    const writer = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    writer.send({ type: 'subscribe', session: id });
    await writer.next((frame) => frame.type === 'subscribed');
    const readers: WsClient[] = [];
    for (let index = 1; index <= 8; index++) {
      writer.send({ type: 'send', session: id, text: `message ${index}`, clientMsgId: `m${index}` });
      const reader = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
      reader.send({ type: 'subscribe', session: id, fromRevision: index % 3 });
      readers.push(reader);
    }
    await writer.next(() => writer.events(id).filter((frame) => frame['eventType'] === 'TurnCompleted').length >= 8, 15_000);
    const stored = (await api.store.readStream(`session-${id}`))._unsafeUnwrap().map((event) => Number(event.revision));
    for (const [index, reader] of readers.entries()) {
      await eventually(() => reader.events(id).length === stored.length - ((index + 1) % 3));
      expect(revisions(reader.events(id))).toEqual(stored.slice((index + 1) % 3));
      reader.close();
    }
    writer.close();
  }, 30_000);
});
