/** Conformance: catch-up subscriptions (history, live, handover under load, close, resume, filters). */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AppendResult, ExpectedRevision, RecordedEvent, Subscription } from '../../types.js';
import type { ConformanceContext } from './context.js';
import { event, expectIncreasingPositions, unwrap } from './helpers.js';

/** Reads exactly `count` events from a subscription, then stops iterating (which closes it). */
export async function take(subscription: Subscription, count: number): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  if (count === 0) return out;
  for await (const e of subscription) {
    out.push(e);
    if (out.length === count) break;
  }
  return out;
}

/** Registers the subscription tests. */
export function describeSubscriptions(ctx: ConformanceContext): void {
  describe('subscribe', () => {
    it('delivers history, then live events, in global order', async () => {
      const stream = ctx.stream('live');
      await unwrap(ctx.store.append(stream, [event('H1'), event('H2')], { expectedRevision: 'no_stream' }));
      const subscription = ctx.store.subscribe({ filter: { streamPrefix: ctx.prefix } });
      const iterator = subscription[Symbol.asyncIterator]();
      const history = [await iterator.next(), await iterator.next()];
      expect(history.map((r) => (r.done ? undefined : r.value.type))).toEqual(['H1', 'H2']);
      const pending = iterator.next();
      await unwrap(ctx.store.append(ctx.stream('other'), [event('L1')], { expectedRevision: 'no_stream' }));
      await unwrap(ctx.store.append(stream, [event('L2')], { expectedRevision: 1n }));
      const live = [await pending, await iterator.next()];
      expect(live.map((r) => (r.done ? undefined : r.value.type))).toEqual(['L1', 'L2']);
      await subscription.close();
      expect((await subscription.ended).isOk()).toBe(true);
    });

    it('hands over from catch-up to live without gaps or duplicates under concurrent appends', async () => {
      const writers = 8;
      const perWriter = 40;
      const appendedIds = new Set<string>();
      let startSubscriber!: () => void;
      const halfway = new Promise<void>((resolve) => {
        startSubscriber = resolve;
      });
      const write = async (w: number) => {
        let expected: ExpectedRevision = 'no_stream';
        for (let i = 0; i < perWriter; i++) {
          if (w === 0 && i === perWriter / 2) startSubscriber();
          const e = event('Tick', { w, i });
          const result: AppendResult = await unwrap(ctx.store.append(ctx.stream(`w${w}`), [e], { expectedRevision: expected }));
          expected = result.nextExpectedRevision;
          appendedIds.add(e.id);
        }
      };
      const writing = Promise.all(Array.from({ length: writers }, (_, w) => write(w)));
      await halfway;
      const received = await take(ctx.store.subscribe({ filter: { streamPrefix: ctx.stream('w') } }), writers * perWriter);
      await writing;
      expectIncreasingPositions(received);
      expect(new Set(received.map((e) => e.id))).toEqual(appendedIds);
      const byStream = new Map<string, number[]>();
      for (const e of received) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), Number(e.revision)]);
      for (const list of byStream.values()) expect(list).toEqual(Array.from({ length: perWriter }, (_, i) => i));
      const logged = await unwrap(ctx.store.readAll({ filter: { streamPrefix: ctx.stream('w') } }));
      expect(logged.map((e) => e.id)).toEqual(received.map((e) => e.id));
    });

    it('answers overlapping next() calls in order, each event once', async () => {
      await unwrap(ctx.store.append(ctx.stream('overlap'), ['A', 'B', 'C'].map((t) => event(t)), { expectedRevision: 'no_stream' }));
      const subscription = ctx.store.subscribe({ filter: { streamPrefix: ctx.prefix } });
      const iterator = subscription[Symbol.asyncIterator]();
      const results = await Promise.all([iterator.next(), iterator.next(), iterator.next()]);
      expect(results.map((r) => (r.done ? undefined : r.value.type))).toEqual(['A', 'B', 'C']);
      await subscription.close();
    });

    it('close() ends a pending iteration and `ended` is ok', async () => {
      const subscription = ctx.store.subscribe({ filter: { streamPrefix: ctx.stream('nothing') } });
      const pending = subscription[Symbol.asyncIterator]().next();
      await subscription.close();
      expect(await pending).toEqual({ done: true, value: undefined });
      expect((await subscription.ended).isOk()).toBe(true);
    });

    it('resumes after a checkpoint exactly where a previous subscription stopped', async () => {
      const stream = ctx.stream('resume');
      await unwrap(ctx.store.append(stream, ['A', 'B', 'C', 'D', 'E'].map((t) => event(t)), { expectedRevision: 'no_stream' }));
      const first = await take(ctx.store.subscribe({ filter: { streamPrefix: ctx.prefix } }), 2);
      expect(first.map((e) => e.type)).toEqual(['A', 'B']);
      const checkpoint = first[1]?.position;
      const rest = await take(ctx.store.subscribe({ fromPosition: checkpoint, filter: { streamPrefix: ctx.prefix } }), 3);
      expect(rest.map((e) => e.type)).toEqual(['C', 'D', 'E']);
    });

    it('filters by event type', async () => {
      const stream = ctx.stream('typed');
      const marker = `Wanted${randomUUID().slice(0, 8)}`;
      await unwrap(ctx.store.append(stream, [event('Other'), event(marker, 1), event('Other'), event(marker, 2)], { expectedRevision: 'any' }));
      const received = await take(ctx.store.subscribe({ filter: { eventTypes: [marker] } }), 2);
      expect(received.map((e) => e.data)).toEqual([1, 2]);
    });

    it('store close ends open subscriptions', async () => {
      const subscription = ctx.store.subscribe({ filter: { streamPrefix: ctx.stream('none') } });
      const pending = subscription[Symbol.asyncIterator]().next();
      await ctx.store.close();
      expect((await pending).done).toBe(true);
      expect((await subscription.ended).isOk()).toBe(true);
    });
  });
}
