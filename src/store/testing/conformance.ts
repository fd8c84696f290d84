/**
 * The conformance suite every adapter must pass, registered as vitest tests. Each test gets a fresh store from
 * the factory and a unique stream prefix, so the suite also runs against a shared EventStoreDB server.
 *
 * @example
 * describeEventStoreConformance('memory', () => new MemoryEventStore());
 */
import { describe, it } from 'vitest';
import { describeAppends } from './conformance/append.js';
import { describeCheckpoints } from './conformance/checkpoints.js';
import { useConformanceContext, type EventStoreFactory } from './conformance/context.js';
import { describeLifecycle } from './conformance/lifecycle.js';
import { checkAgainstModel } from './conformance/model.js';
import { describeReads } from './conformance/reads.js';
import { describeSubscriptions } from './conformance/subscriptions.js';
import { describeValidation } from './conformance/validation.js';

export type { EventStoreFactory } from './conformance/context.js';

/** Tuning of the suite per adapter. */
export interface ConformanceOptions {
  /** fast-check runs of the model-based test (each up to 25 commands); default 50. */
  readonly modelRuns?: number;
  /** Timeout of the model-based test in ms; default 60 000. */
  readonly modelTimeoutMs?: number;
}

/** Registers the full conformance suite for one adapter under `EventStore conformance: <name>`. */
export function describeEventStoreConformance(name: string, factory: EventStoreFactory, options: ConformanceOptions = {}): void {
  describe(`EventStore conformance: ${name}`, () => {
    const ctx = useConformanceContext(factory);
    describeAppends(ctx);
    describeReads(ctx);
    describeSubscriptions(ctx);
    describeLifecycle(ctx);
    describeCheckpoints(ctx);
    describeValidation(ctx);
    it('agrees with a simple model on random sequences of appends, retries, reads and subscriptions', async () => {
      await checkAgainstModel(ctx.store, options.modelRuns ?? 50);
    }, options.modelTimeoutMs ?? 60_000);
  });
}
