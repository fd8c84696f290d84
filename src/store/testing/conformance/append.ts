/** Conformance: appending, optimistic concurrency and idempotent retries. */
import { describe, expect, it } from 'vitest';
import type { ExpectedRevision } from '../../types.js';
import type { ConformanceContext } from './context.js';
import { event, expectError, expectIncreasingPositions, revisions, seedStream, unwrap } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Registers the append tests. */
export function describeAppends(ctx: ConformanceContext): void {
  describe('append', () => {
    it('records events with consecutive revisions, global positions, ids, data and metadata', async () => {
      const stream = ctx.stream('order');
      const before = Date.now();
      const given = event('Placed', { items: [1, 2], note: 'ü' }, { correlationId: 'c-1', actor: 'test' });
      const result = await unwrap(
        ctx.store.append(stream, [given, { type: 'Paid', data: 42 }, { type: 'Shipped', data: null }], { expectedRevision: 'no_stream' }),
      );
      expect(result.nextExpectedRevision).toBe(2n);
      const events = await unwrap(ctx.store.readStream(stream));
      expect(revisions(events)).toEqual([0, 1, 2]);
      expect(events.map((e) => e.type)).toEqual(['Placed', 'Paid', 'Shipped']);
      expect(events.map((e) => e.stream)).toEqual([stream, stream, stream]);
      expect(events[0]?.id).toBe(given.id);
      expect(events[1]?.id).toMatch(UUID);
      expect(events[0]?.data).toEqual({ items: [1, 2], note: 'ü' });
      expect(events[1]?.data).toBe(42);
      expect(events[2]?.data).toBeNull();
      expect(events[0]?.metadata).toEqual({ correlationId: 'c-1', actor: 'test' });
      expect(events[1]?.metadata).toEqual({});
      expect(events[2]?.position).toBe(result.position);
      expectIncreasingPositions(events);
      const recordedAt = events[0]?.recordedAt as Date;
      expect(recordedAt).toBeInstanceOf(Date);
      expect(Math.abs(recordedAt.getTime() - before)).toBeLessThan(60_000);
    });

    it('orders events of different streams globally in append order', async () => {
      const a = ctx.stream('a');
      const b = ctx.stream('b');
      const a1 = await unwrap(ctx.store.append(a, [event('A1')], { expectedRevision: 'no_stream' }));
      const b1 = await unwrap(ctx.store.append(b, [event('B1')], { expectedRevision: 'no_stream' }));
      const a2 = await unwrap(ctx.store.append(a, [event('A2')], { expectedRevision: a1.nextExpectedRevision }));
      expect(a1.position < b1.position && b1.position < a2.position).toBe(true);
      const all = await unwrap(ctx.store.readAll({ filter: { streamPrefix: ctx.prefix } }));
      expect(all.map((e) => e.type)).toEqual(['A1', 'B1', 'A2']);
      expect(all.map((e) => e.position)).toEqual([a1.position, b1.position, a2.position]);
      expect(revisions(await unwrap(ctx.store.readStream(a)))).toEqual([0, 1]);
    });
  });

  describe('optimistic concurrency', () => {
    const seed = (stream: string, count: number) => seedStream(ctx.store, stream, count);

    it("'no_stream' succeeds only on a stream that does not exist", async () => {
      const stream = ctx.stream('ns');
      await unwrap(ctx.store.append(stream, [event('A')], { expectedRevision: 'no_stream' }));
      const error = await expectError(ctx.store.append(stream, [event('B')], { expectedRevision: 'no_stream' }), 'WrongExpectedVersion');
      expect(error).toMatchObject({ stream, expected: 'no_stream', actual: 0n });
    });

    it("'stream_exists' succeeds only on a stream with events", async () => {
      const stream = ctx.stream('se');
      const error = await expectError(ctx.store.append(stream, [event('A')], { expectedRevision: 'stream_exists' }), 'WrongExpectedVersion');
      expect(error).toMatchObject({ stream, expected: 'stream_exists', actual: 'no_stream' });
      await seed(stream, 2);
      const result = await unwrap(ctx.store.append(stream, [event('B')], { expectedRevision: 'stream_exists' }));
      expect(result.nextExpectedRevision).toBe(2n);
    });

    it("'any' always succeeds", async () => {
      const stream = ctx.stream('any');
      await unwrap(ctx.store.append(stream, [event('A')], { expectedRevision: 'any' }));
      const result = await unwrap(ctx.store.append(stream, [event('B'), event('C')], { expectedRevision: 'any' }));
      expect(result.nextExpectedRevision).toBe(2n);
    });

    it('an exact revision succeeds only when it is the last revision', async () => {
      const stream = ctx.stream('exact');
      const missing = await expectError(ctx.store.append(stream, [event('A')], { expectedRevision: 0n }), 'WrongExpectedVersion');
      expect(missing.actual).toBe('no_stream');
      await seed(stream, 3);
      for (const wrong of [0n, 1n, 3n, 10n]) {
        const error = await expectError(ctx.store.append(stream, [event('X')], { expectedRevision: wrong }), 'WrongExpectedVersion');
        expect(error).toMatchObject({ stream, expected: wrong, actual: 2n });
      }
      const result = await unwrap(ctx.store.append(stream, [event('D')], { expectedRevision: 2n }));
      expect(result.nextExpectedRevision).toBe(3n);
      expect(revisions(await unwrap(ctx.store.readStream(stream)))).toEqual([0, 1, 2, 3]);
    });

    it('of concurrent appends expecting the same revision exactly one wins', async () => {
      const stream = ctx.stream('race');
      await seed(stream, 1);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => ctx.store.append(stream, [event('Raced')], { expectedRevision: 0n })),
      );
      expect(results.filter((r) => r.isOk())).toHaveLength(1);
      expect(results.filter((r) => r.isErr() && r.error.kind === 'WrongExpectedVersion')).toHaveLength(9);
      expect(revisions(await unwrap(ctx.store.readStream(stream)))).toEqual([0, 1]);
    });

    it('a failing append does not affect appends submitted together with it', async () => {
      const [ok1, bad, ok2, invalid, ok3] = await Promise.all([
        ctx.store.append(ctx.stream('p1'), [event('A')], { expectedRevision: 'no_stream' }),
        ctx.store.append(ctx.stream('p2'), [event('A')], { expectedRevision: 5n }),
        ctx.store.append(ctx.stream('p3'), [event('A'), event('B')], { expectedRevision: 'any' }),
        ctx.store.append(ctx.stream('p4'), [event('A'), { type: '', data: 1 }], { expectedRevision: 'any' }),
        ctx.store.append(ctx.stream('p5'), [event('B')], { expectedRevision: 'no_stream' }),
      ]);
      expect(ok1?.isOk() && ok2?.isOk() && ok3?.isOk()).toBe(true);
      expect(bad?.isErr() && bad.error.kind).toBe('WrongExpectedVersion');
      expect(invalid?.isErr() && invalid.error.kind).toBe('InvalidEvent');
      expect(revisions(await unwrap(ctx.store.readStream(ctx.stream('p3'))))).toEqual([0, 1]);
      await expectError(ctx.store.readStream(ctx.stream('p2')), 'StreamNotFound');
      await expectError(ctx.store.readStream(ctx.stream('p4')), 'StreamNotFound');
    });

    it('writes nothing of a rejected append', async () => {
      const stream = ctx.stream('atomic');
      await seed(stream, 1);
      await expectError(ctx.store.append(stream, [event('X'), event('Y')], { expectedRevision: 7n }), 'WrongExpectedVersion');
      await expectError(ctx.store.append(stream, [event('X'), { type: 'Bad', data: 1, id: 'nope' }], { expectedRevision: 0n }), 'InvalidEvent');
      expect(revisions(await unwrap(ctx.store.readStream(stream)))).toEqual([0]);
    });
  });

  describe('idempotent append', () => {
    const retryCases: [string, ExpectedRevision][] = [
      ['no_stream', 'no_stream'],
      ['any', 'any'],
      ['stream_exists', 'stream_exists'],
      ['an exact revision', 0n],
    ];
    for (const [label, expected] of retryCases) {
      it(`re-appending the same ids with ${label} returns the original result and writes nothing`, async () => {
        const stream = ctx.stream('retry');
        if (expected !== 'no_stream') await unwrap(ctx.store.append(stream, [event('Seed')], { expectedRevision: 'no_stream' }));
        const batch = [event('A'), event('B')];
        const first = await unwrap(ctx.store.append(stream, batch, { expectedRevision: expected }));
        const again = await unwrap(ctx.store.append(stream, batch, { expectedRevision: expected }));
        expect(again).toEqual(first);
        const count = (await unwrap(ctx.store.readStream(stream))).length;
        expect(count).toBe(expected === 'no_stream' ? 2 : 3);
      });
    }

    it('a retry still succeeds after the stream moved on', async () => {
      const stream = ctx.stream('moved');
      const batch = [event('A')];
      const first = await unwrap(ctx.store.append(stream, batch, { expectedRevision: 'no_stream' }));
      await unwrap(ctx.store.append(stream, [event('B')], { expectedRevision: 0n }));
      expect(await unwrap(ctx.store.append(stream, batch, { expectedRevision: 'no_stream' }))).toEqual(first);
      expect(revisions(await unwrap(ctx.store.readStream(stream)))).toEqual([0, 1]);
    });

    it('a partial overlap with a stale expected revision is a WrongExpectedVersion and writes nothing', async () => {
      const stream = ctx.stream('overlap');
      const a = event('A');
      await unwrap(ctx.store.append(stream, [a, event('B')], { expectedRevision: 'no_stream' }));
      await expectError(ctx.store.append(stream, [a, event('C')], { expectedRevision: 'no_stream' }), 'WrongExpectedVersion');
      expect(revisions(await unwrap(ctx.store.readStream(stream)))).toEqual([0, 1]);
    });

    it('the same id may be used in different streams', async () => {
      const shared = event('Shared');
      await unwrap(ctx.store.append(ctx.stream('x'), [shared], { expectedRevision: 'no_stream' }));
      await unwrap(ctx.store.append(ctx.stream('y'), [shared], { expectedRevision: 'no_stream' }));
      const y = await unwrap(ctx.store.readStream(ctx.stream('y')));
      expect(y.map((e) => e.id)).toEqual([shared.id]);
    });

    it('an id repeated within one append is an InvalidEvent', async () => {
      const repeated = event('A');
      const error = await expectError(ctx.store.append(ctx.stream('dup'), [repeated, repeated], { expectedRevision: 'any' }), 'InvalidEvent');
      expect(error.index).toBe(1);
    });
  });
}
