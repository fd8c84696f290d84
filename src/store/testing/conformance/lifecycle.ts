/** Conformance: stream metadata (maxCount, truncateBefore), soft delete and hard delete (tombstone). */
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.js';
import { event, expectError, seedStream, revisions, unwrap } from './helpers.js';

/** Registers the metadata and delete tests. */
export function describeLifecycle(ctx: ConformanceContext): void {
  const seed = (stream: string, count: number) => seedStream(ctx.store, stream, count);

  describe('stream metadata', () => {
    it('maxCount keeps only the last events visible, in both directions', async () => {
      const stream = ctx.stream('max');
      await seed(stream, 5);
      await unwrap(ctx.store.setStreamMetadata(stream, { maxCount: 2 }));
      expect(await unwrap(ctx.store.getStreamMetadata(stream))).toEqual({ maxCount: 2 });
      expect(revisions(await unwrap(ctx.store.readStream(stream)))).toEqual([3, 4]);
      expect(revisions(await unwrap(ctx.store.readStream(stream, { direction: 'backwards' })))).toEqual([4, 3]);
      await unwrap(ctx.store.append(stream, [event('E5')], { expectedRevision: 4n }));
      expect(revisions(await unwrap(ctx.store.readStream(stream, { from: 0n })))).toEqual([4, 5]);
    });

    it('truncateBefore hides earlier revisions; metadata is replaced, not merged', async () => {
      const stream = ctx.stream('tb');
      await seed(stream, 5);
      await unwrap(ctx.store.setStreamMetadata(stream, { maxCount: 1 }));
      await unwrap(ctx.store.setStreamMetadata(stream, { truncateBefore: 3n }));
      expect(await unwrap(ctx.store.getStreamMetadata(stream))).toEqual({ truncateBefore: 3n });
      expect(revisions(await unwrap(ctx.store.readStream(stream, { from: 0n })))).toEqual([3, 4]);
      expect(revisions(await unwrap(ctx.store.readStream(stream, { direction: 'backwards' })))).toEqual([4, 3]);
      await unwrap(ctx.store.setStreamMetadata(stream, { truncateBefore: 10n }));
      expect(await unwrap(ctx.store.readStream(stream))).toEqual([]);
    });

    it('a stream without metadata has {}; metadata alone does not make a stream exist', async () => {
      const stream = ctx.stream('meta-only');
      expect(await unwrap(ctx.store.getStreamMetadata(stream))).toEqual({});
      await unwrap(ctx.store.setStreamMetadata(stream, { maxCount: 3 }));
      expect(await unwrap(ctx.store.getStreamMetadata(stream))).toEqual({ maxCount: 3 });
      await expectError(ctx.store.readStream(stream), 'StreamNotFound');
      await unwrap(ctx.store.append(stream, [event('A')], { expectedRevision: 'no_stream' }));
      expect(revisions(await unwrap(ctx.store.readStream(stream)))).toEqual([0]);
    });
  });

  describe('soft delete', () => {
    it('hides the stream until the next append re-creates it with continuing revisions', async () => {
      const stream = ctx.stream('soft');
      await seed(stream, 2);
      await unwrap(ctx.store.deleteStream(stream, { expectedRevision: 1n }));
      await expectError(ctx.store.readStream(stream), 'StreamNotFound');
      expect(await unwrap(ctx.store.listStreams({ prefix: ctx.prefix }))).toEqual([]);
      const recreated = await unwrap(ctx.store.append(stream, [event('Again')], { expectedRevision: 'any' }));
      expect(recreated.nextExpectedRevision).toBe(2n);
      const events = await unwrap(ctx.store.readStream(stream));
      expect(events.map((e) => [Number(e.revision), e.type])).toEqual([[2, 'Again']]);
      expect(await unwrap(ctx.store.listStreams({ prefix: ctx.prefix }))).toEqual([{ stream, revision: 2n }]);
    });

    it("re-creates with 'no_stream' or the last revision before the delete", async () => {
      const a = ctx.stream('soft-ns');
      const b = ctx.stream('soft-exact');
      await seed(a, 2);
      await seed(b, 2);
      await unwrap(ctx.store.deleteStream(a, { expectedRevision: 'any' }));
      await unwrap(ctx.store.deleteStream(b, { expectedRevision: 'any' }));
      expect((await unwrap(ctx.store.append(a, [event('A')], { expectedRevision: 'no_stream' }))).nextExpectedRevision).toBe(2n);
      expect((await unwrap(ctx.store.append(b, [event('B')], { expectedRevision: 1n }))).nextExpectedRevision).toBe(2n);
      await expectError(ctx.store.append(a, [event('A2')], { expectedRevision: 'no_stream' }), 'WrongExpectedVersion');
    });

    it('checks the expected revision and deletes nothing on a mismatch', async () => {
      const stream = ctx.stream('soft-wev');
      await seed(stream, 2);
      const error = await expectError(ctx.store.deleteStream(stream, { expectedRevision: 0n }), 'WrongExpectedVersion');
      expect(error.actual).toBe(1n);
      expect(revisions(await unwrap(ctx.store.readStream(stream)))).toEqual([0, 1]);
    });

    it('keeps the events in the global log', async () => {
      const stream = ctx.stream('soft-log');
      await seed(stream, 2);
      await unwrap(ctx.store.deleteStream(stream, { expectedRevision: 1n }));
      const logged = await unwrap(ctx.store.readAll({ filter: { streamPrefix: ctx.prefix } }));
      expect(logged.map((e) => e.type)).toEqual(['E0', 'E1']);
    });
  });

  describe('hard delete', () => {
    it('tombstones the stream: reads, appends, metadata and deletes give StreamDeleted', async () => {
      const stream = ctx.stream('hard');
      await seed(stream, 2);
      await unwrap(ctx.store.deleteStream(stream, { expectedRevision: 1n, hard: true }));
      await expectError(ctx.store.readStream(stream), 'StreamDeleted');
      await expectError(ctx.store.append(stream, [event('X')], { expectedRevision: 'any' }), 'StreamDeleted');
      await expectError(ctx.store.append(stream, [event('X')], { expectedRevision: 'no_stream' }), 'StreamDeleted');
      await expectError(ctx.store.setStreamMetadata(stream, { maxCount: 1 }), 'StreamDeleted');
      await expectError(ctx.store.deleteStream(stream, { expectedRevision: 'any', hard: true }), 'StreamDeleted');
      await expectError(ctx.store.deleteStream(stream, { expectedRevision: 'any' }), 'StreamDeleted');
      expect(await unwrap(ctx.store.listStreams({ prefix: ctx.prefix }))).toEqual([]);
    });

    it('can tombstone a soft-deleted stream', async () => {
      const stream = ctx.stream('soft-then-hard');
      await seed(stream, 1);
      await unwrap(ctx.store.deleteStream(stream, { expectedRevision: 0n }));
      await unwrap(ctx.store.deleteStream(stream, { expectedRevision: 'any', hard: true }));
      await expectError(ctx.store.readStream(stream), 'StreamDeleted');
    });
  });
}
