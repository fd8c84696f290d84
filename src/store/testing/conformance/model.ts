/**
 * Model-based test of the port: fast-check generates random sequences of appends (with every kind of expected
 * revision, right and wrong), retries, stream reads, filtered log reads and catch-up subscriptions, runs them
 * against a real adapter and checks each answer against a tiny in-memory model.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { EventStore } from '../../port.js';
import type { AppendResult, ExpectedRevision, RecordedEvent } from '../../types.js';
import { expectError, expectIncreasingPositions, uniquePrefix, unwrap } from './helpers.js';

interface ModelEvent {
  readonly id: string;
  readonly type: string;
  readonly stream: string;
}

interface LastAppend {
  readonly stream: string;
  readonly events: readonly { id: string; type: string }[];
  readonly expected: ExpectedRevision;
  readonly result: AppendResult;
}

interface Model {
  readonly streams: Map<string, ModelEvent[]>;
  readonly log: ModelEvent[];
  last?: LastAppend;
}

interface Real {
  readonly store: EventStore;
  readonly prefix: string;
}

type Command = fc.AsyncCommand<Model, Real>;

const TYPES = ['Created', 'Changed', 'Closed'] as const;
const STREAMS = 4;
type Mode = 'exact' | 'stale' | 'ahead' | 'any' | 'no_stream' | 'stream_exists';

const streamName = (real: Real, index: number): string => `${real.prefix}m${index}`;
const lastRevisionOf = (model: Model, stream: string): number => (model.streams.get(stream)?.length ?? 0) - 1;

function expectedFor(mode: Mode, last: number): ExpectedRevision {
  switch (mode) {
    case 'exact':
      return last >= 0 ? BigInt(last) : 'no_stream';
    case 'stale':
      return last >= 1 ? BigInt(last - 1) : last === 0 ? 'no_stream' : 0n;
    case 'ahead':
      return BigInt(last + 1);
    default:
      return mode;
  }
}

function holds(expected: ExpectedRevision, last: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return last < 0;
  if (expected === 'stream_exists') return last >= 0;
  return BigInt(last) === expected;
}

class AppendCommand implements Command {
  constructor(
    readonly index: number,
    readonly types: readonly string[],
    readonly mode: Mode,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const stream = streamName(real, this.index);
    const last = lastRevisionOf(model, stream);
    const expected = expectedFor(this.mode, last);
    const events = this.types.map((type) => ({ id: randomUUID(), type }));
    const result = real.store.append(stream, events.map((e) => ({ ...e, data: { n: model.log.length } })), { expectedRevision: expected });
    if (!holds(expected, last)) {
      const error = await expectError(result, 'WrongExpectedVersion');
      expect(error.actual).toEqual(last >= 0 ? BigInt(last) : 'no_stream');
      return;
    }
    const appended = await unwrap(result);
    expect(appended.nextExpectedRevision).toBe(BigInt(last + events.length));
    if (model.last !== undefined) expect(appended.position > model.last.result.position).toBe(true);
    const list = model.streams.get(stream) ?? [];
    for (const e of events) {
      const recorded = { ...e, stream };
      list.push(recorded);
      model.log.push(recorded);
    }
    model.streams.set(stream, list);
    model.last = { stream, events, expected, result: appended };
  }
  toString = (): string => `append(m${this.index}, [${this.types.join(',')}], ${this.mode})`;
}

class RetryCommand implements Command {
  check = (model: Readonly<Model>): boolean => model.last !== undefined;
  async run(model: Model, real: Real): Promise<void> {
    const last = model.last as LastAppend;
    const events = last.events.map((e) => ({ ...e, data: { retry: true } }));
    const result = await unwrap(real.store.append(last.stream, events, { expectedRevision: last.expected }));
    expect(result).toEqual(last.result);
  }
  toString = (): string => 'retryLastAppend';
}

class ReadStreamCommand implements Command {
  constructor(
    readonly index: number,
    readonly backwards: boolean,
    readonly from: number | undefined,
    readonly maxCount: number | undefined,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const stream = streamName(real, this.index);
    const all = model.streams.get(stream) ?? [];
    const options = {
      direction: this.backwards ? ('backwards' as const) : ('forwards' as const),
      ...(this.from === undefined ? {} : { from: BigInt(this.from) }),
      ...(this.maxCount === undefined ? {} : { maxCount: this.maxCount }),
    };
    const result = real.store.readStream(stream, options);
    if (all.length === 0) {
      await expectError(result, 'StreamNotFound');
      return;
    }
    let expected = all.map((e, revision) => ({ id: e.id, revision }));
    if (this.backwards) {
      expected = expected.filter((e) => this.from === undefined || e.revision <= this.from).reverse();
    } else {
      expected = expected.filter((e) => this.from === undefined || e.revision >= this.from);
    }
    if (this.maxCount !== undefined) expected = expected.slice(0, this.maxCount);
    const events = await unwrap(result);
    expect(events.map((e) => ({ id: e.id, revision: Number(e.revision) }))).toEqual(expected);
  }
  toString = (): string => `readStream(m${this.index}, ${this.backwards ? 'backwards' : 'forwards'}, from=${this.from}, max=${this.maxCount})`;
}

class ReadAllCommand implements Command {
  constructor(
    readonly types: readonly string[] | undefined,
    readonly maxCount: number | undefined,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const filter = { streamPrefix: real.prefix, ...(this.types === undefined ? {} : { eventTypes: this.types }) };
    const events = await unwrap(real.store.readAll({ filter, ...(this.maxCount === undefined ? {} : { maxCount: this.maxCount }) }));
    let expected = model.log.filter((e) => this.types === undefined || this.types.includes(e.type));
    if (this.maxCount !== undefined) expected = expected.slice(0, this.maxCount);
    expect(events.map((e) => `${e.stream}/${e.id}`)).toEqual(expected.map((e) => `${e.stream}/${e.id}`));
    expectIncreasingPositions(events);
  }
  toString = (): string => `readAll(types=${this.types?.join(',')}, max=${this.maxCount})`;
}

class CatchUpCommand implements Command {
  check = (model: Readonly<Model>): boolean => model.log.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const subscription = real.store.subscribe({ filter: { streamPrefix: real.prefix } });
    const received: RecordedEvent[] = [];
    for await (const e of subscription) {
      received.push(e);
      if (received.length === model.log.length) break;
    }
    expect(received.map((e) => e.id)).toEqual(model.log.map((e) => e.id));
    expectIncreasingPositions(received);
    expect((await subscription.ended).isOk()).toBe(true);
  }
  toString = (): string => 'catchUpSubscription';
}

const commandArbitraries = [
  fc
    .tuple(fc.nat({ max: STREAMS - 1 }), fc.array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 3 }), fc.constantFrom<Mode>('exact', 'exact', 'stale', 'ahead', 'any', 'no_stream', 'stream_exists'))
    .map(([index, types, mode]) => new AppendCommand(index, types, mode)),
  fc.constant(new RetryCommand()),
  fc
    .tuple(fc.nat({ max: STREAMS - 1 }), fc.boolean(), fc.option(fc.nat({ max: 8 }), { nil: undefined }), fc.option(fc.nat({ max: 5 }), { nil: undefined }))
    .map(([index, backwards, from, maxCount]) => new ReadStreamCommand(index, backwards, from, maxCount)),
  fc
    .tuple(fc.option(fc.subarray([...TYPES], { minLength: 1 }), { nil: undefined }), fc.option(fc.nat({ max: 6 }), { nil: undefined }))
    .map(([types, maxCount]) => new ReadAllCommand(types, maxCount)),
  fc.constant(new CatchUpCommand()),
];

/** Runs the model-based property `runs` times against `store` (each run in fresh streams). */
export async function checkAgainstModel(store: EventStore, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.commands(commandArbitraries, { maxCommands: 25 }), async (commands) => {
      const setup = () => ({ model: { streams: new Map(), log: [] } satisfies Model, real: { store, prefix: uniquePrefix('mbt') } });
      await fc.asyncModelRun(setup, commands);
    }),
    { numRuns: runs },
  );
}
