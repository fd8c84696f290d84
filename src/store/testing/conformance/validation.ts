/** Conformance: invalid input is rejected as data, the same way by every adapter; a closed store says so. */
import { describe, expect, it } from 'vitest';
import type { EventToAppend } from '../../types.js';
import type { ConformanceContext } from './context.js';
import { event, expectError, unwrap } from './helpers.js';

/** Registers the validation and lifecycle-of-the-store tests. */
export function describeValidation(ctx: ConformanceContext): void {
  describe('invalid input', () => {
    it('rejects empty and `$`-prefixed stream names with InvalidRequest', async () => {
      for (const stream of ['', '$system']) {
        await expectError(ctx.store.append(stream, [event('A')], { expectedRevision: 'any' }), 'InvalidRequest');
        await expectError(ctx.store.readStream(stream), 'InvalidRequest');
        await expectError(ctx.store.deleteStream(stream, { expectedRevision: 'any' }), 'InvalidRequest');
      }
    });

    it('rejects malformed events with InvalidEvent naming the index', async () => {
      const stream = ctx.stream('invalid');
      const cases: [EventToAppend[], number][] = [
        [[], 0],
        [[event('A'), { type: '', data: 1 }], 1],
        [[{ type: '$reserved', data: 1 }], 0],
        [[{ type: 'A', data: 1, id: 'not-a-uuid' }], 0],
        [[event('A'), event('B'), { type: 'C', data: { big: 1n } as never }], 2],
        [[{ type: 'A', data: 1, metadata: [1] as never }], 0],
      ];
      for (const [events, index] of cases) {
        const error = await expectError(ctx.store.append(stream, events, { expectedRevision: 'any' }), 'InvalidEvent');
        expect(error).toMatchObject({ stream, index });
      }
      await expectError(ctx.store.readStream(stream), 'StreamNotFound');
    });

    it('rejects bad options with InvalidRequest', async () => {
      const stream = ctx.stream('opts');
      await expectError(ctx.store.append(stream, [event('A')], { expectedRevision: -1n }), 'InvalidRequest');
      await expectError(ctx.store.append(stream, [event('A')], { expectedRevision: 'sometimes' as never }), 'InvalidRequest');
      await expectError(ctx.store.readStream(stream, { maxCount: -1 }), 'InvalidRequest');
      await expectError(ctx.store.readStream(stream, { from: -2n }), 'InvalidRequest');
      await expectError(ctx.store.readAll({ maxCount: 1.5 }), 'InvalidRequest');
      await expectError(ctx.store.setStreamMetadata(stream, { maxCount: -3 }), 'InvalidRequest');
      const subscription = ctx.store.subscribe({ fromPosition: -1n });
      const ended = await subscription.ended;
      expect(ended.isErr() && ended.error.kind).toBe('InvalidRequest');
    });
  });

  describe('store lifecycle', () => {
    it('answers ping while open and StoreUnavailable after close', async () => {
      await unwrap(ctx.store.ping());
      await ctx.store.close();
      await ctx.store.close();
      await expectError(ctx.store.ping(), 'StoreUnavailable');
      await expectError(ctx.store.append(ctx.stream('closed'), [event('A')], { expectedRevision: 'any' }), 'StoreUnavailable');
      await expectError(ctx.store.readAll(), 'StoreUnavailable');
      const ended = await ctx.store.subscribe().ended;
      expect(ended.isErr() && ended.error.kind).toBe('StoreUnavailable');
    });
  });
}
