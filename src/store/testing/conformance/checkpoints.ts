/** Conformance: named checkpoints beside the log (`writeCheckpoint` / `readCheckpoint`). */
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.js';
import { expectError, seedStream, unwrap } from './helpers.js';

/** Registers the checkpoint tests. */
export function describeCheckpoints(ctx: ConformanceContext): void {
  describe('checkpoints', () => {
    it('reads back null for a name never written, then the last checkpoint written under it', async () => {
      const name = ctx.stream('projection');
      expect(await unwrap(ctx.store.readCheckpoint(name))).toBeNull();
      const body = JSON.stringify({ big: 'x'.repeat(100_000), unicode: 'é✓' });
      await unwrap(ctx.store.writeCheckpoint(name, { position: 7n, eventId: 'id-7', body: 'first' }));
      await unwrap(ctx.store.writeCheckpoint(name, { position: 2n ** 60n, eventId: 'id-big', body }));
      expect(await unwrap(ctx.store.readCheckpoint(name))).toEqual({ position: 2n ** 60n, eventId: 'id-big', body });
      expect(await unwrap(ctx.store.readCheckpoint(ctx.stream('other')))).toBeNull();
    });

    it('stays out of the log: no event, no stream, the same head position', async () => {
      const stream = ctx.stream('log');
      await seedStream(ctx.store, stream, 2);
      const head = await unwrap(ctx.store.headPosition());
      await unwrap(ctx.store.writeCheckpoint(ctx.stream('cp'), { position: head, eventId: 'x', body: '{}' }));
      expect(await unwrap(ctx.store.headPosition())).toBe(head);
      expect((await unwrap(ctx.store.readAll({ filter: { streamPrefix: ctx.prefix } }))).map((e) => e.stream)).toEqual([stream, stream]);
      expect((await unwrap(ctx.store.listStreams({ prefix: ctx.prefix }))).map((s) => s.stream)).toEqual([stream]);
    });

    it('refuses a bad name or checkpoint with InvalidRequest', async () => {
      await expectError(ctx.store.writeCheckpoint('', { position: 1n, eventId: 'x', body: '' }), 'InvalidRequest');
      await expectError(ctx.store.writeCheckpoint('$system', { position: 1n, eventId: 'x', body: '' }), 'InvalidRequest');
      await expectError(ctx.store.writeCheckpoint(ctx.stream('neg'), { position: -1n, eventId: 'x', body: '' }), 'InvalidRequest');
      await expectError(ctx.store.readCheckpoint('$system'), 'InvalidRequest');
    });

    it('fails with StoreUnavailable after close', async () => {
      await ctx.store.close();
      await expectError(ctx.store.readCheckpoint(ctx.stream('closed')), 'StoreUnavailable');
      await expectError(ctx.store.writeCheckpoint(ctx.stream('closed'), { position: 1n, eventId: 'x', body: '' }), 'StoreUnavailable');
    });
  });
}
