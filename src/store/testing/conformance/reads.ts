/** Conformance: stream reads in both directions, log reads with checkpoints and filters, stream listing. */
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.js';
import { event, expectError, seedStream, expectIncreasingPositions, revisions, unwrap } from './helpers.js';

/** Registers the read tests. */
export function describeReads(ctx: ConformanceContext): void {
  const seed = (stream: string, count: number) => seedStream(ctx.store, stream, count);

  describe('readStream', () => {
    it('reads forwards from a revision with maxCount', async () => {
      const stream = ctx.stream('fwd');
      await seed(stream, 5);
      expect(revisions(await unwrap(ctx.store.readStream(stream, { from: 2n })))).toEqual([2, 3, 4]);
      expect(revisions(await unwrap(ctx.store.readStream(stream, { from: 1n, maxCount: 2 })))).toEqual([1, 2]);
      expect(revisions(await unwrap(ctx.store.readStream(stream, { maxCount: 1 })))).toEqual([0]);
      expect(await unwrap(ctx.store.readStream(stream, { from: 5n }))).toEqual([]);
    });

    it('reads backwards from a revision with maxCount', async () => {
      const stream = ctx.stream('bwd');
      await seed(stream, 5);
      expect(revisions(await unwrap(ctx.store.readStream(stream, { direction: 'backwards' })))).toEqual([4, 3, 2, 1, 0]);
      expect(revisions(await unwrap(ctx.store.readStream(stream, { direction: 'backwards', from: 3n, maxCount: 2 })))).toEqual([3, 2]);
      expect(revisions(await unwrap(ctx.store.readStream(stream, { direction: 'backwards', maxCount: 1 })))).toEqual([4]);
      expect(revisions(await unwrap(ctx.store.readStream(stream, { direction: 'backwards', from: 99n })))).toEqual([4, 3, 2, 1, 0]);
    });

    it('gives StreamNotFound for a stream that was never written', async () => {
      const error = await expectError(ctx.store.readStream(ctx.stream('never')), 'StreamNotFound');
      expect(error.stream).toBe(ctx.stream('never'));
    });
  });

  describe('readAll', () => {
    it('treats fromPosition as an exclusive checkpoint and honours maxCount', async () => {
      const stream = ctx.stream('log');
      await seed(stream, 4);
      const all = await unwrap(ctx.store.readAll({ filter: { streamPrefix: ctx.prefix } }));
      expect(all.map((e) => e.type)).toEqual(['E0', 'E1', 'E2', 'E3']);
      expectIncreasingPositions(all);
      const after = await unwrap(ctx.store.readAll({ fromPosition: all[1]?.position, filter: { streamPrefix: ctx.prefix } }));
      expect(after.map((e) => e.type)).toEqual(['E2', 'E3']);
      const limited = await unwrap(ctx.store.readAll({ maxCount: 3, filter: { streamPrefix: ctx.prefix } }));
      expect(limited.map((e) => e.type)).toEqual(['E0', 'E1', 'E2']);
    });

    it('filters by stream prefix, by event types, and by both', async () => {
      await unwrap(ctx.store.append(ctx.stream('cart-1'), [event('Added'), event('Removed')], { expectedRevision: 'no_stream' }));
      await unwrap(ctx.store.append(ctx.stream('user-1'), [event('Added'), event('Renamed')], { expectedRevision: 'no_stream' }));
      await unwrap(ctx.store.append(ctx.stream('cart-2'), [event('Checked')], { expectedRevision: 'no_stream' }));
      const names = (events: readonly { stream: string; type: string }[]) => events.map((e) => `${e.stream.slice(ctx.prefix.length)}:${e.type}`);
      const carts = await unwrap(ctx.store.readAll({ filter: { streamPrefix: ctx.stream('cart-') } }));
      expect(names(carts)).toEqual(['cart-1:Added', 'cart-1:Removed', 'cart-2:Checked']);
      const typed = await unwrap(ctx.store.readAll({ filter: { streamPrefix: ctx.prefix, eventTypes: ['Added', 'Checked'] } }));
      expect(names(typed)).toEqual(['cart-1:Added', 'user-1:Added', 'cart-2:Checked']);
      const both = await unwrap(ctx.store.readAll({ filter: { streamPrefix: ctx.stream('user-'), eventTypes: ['Added'] } }));
      expect(names(both)).toEqual(['user-1:Added']);
      expect(await unwrap(ctx.store.readAll({ filter: { streamPrefix: ctx.prefix, eventTypes: [] } }))).toEqual([]);
    });

    it('headPosition is a checkpoint after everything appended so far', async () => {
      const first = await seed(ctx.stream('head'), 2);
      const head = await unwrap(ctx.store.headPosition());
      expect(head >= first.position).toBe(true);
      expect(await unwrap(ctx.store.readAll({ fromPosition: head, filter: { streamPrefix: ctx.prefix } }))).toEqual([]);
      await unwrap(ctx.store.append(ctx.stream('head'), [event('Later')], { expectedRevision: 1n }));
      const later = await unwrap(ctx.store.readAll({ fromPosition: head, filter: { streamPrefix: ctx.prefix } }));
      expect(later.map((e) => e.type)).toEqual(['Later']);
    });
  });

  describe('listStreams', () => {
    it('lists existing streams by prefix, sorted, with their last revision', async () => {
      await seed(ctx.stream('b'), 2);
      await seed(ctx.stream('a'), 1);
      await seed(ctx.stream('c'), 3);
      const listed = await unwrap(ctx.store.listStreams({ prefix: ctx.prefix }));
      expect(listed).toEqual([
        { stream: ctx.stream('a'), revision: 0n },
        { stream: ctx.stream('b'), revision: 1n },
        { stream: ctx.stream('c'), revision: 2n },
      ]);
      expect(await unwrap(ctx.store.listStreams({ prefix: ctx.stream('b') }))).toEqual([{ stream: ctx.stream('b'), revision: 1n }]);
    });
  });
}
