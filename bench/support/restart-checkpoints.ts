/**
 * Checkpoints for the restart benchmark, as a server that ran over the store and then crashed leaves them: every
 * versioned store projection folded up to `tail` events before the head and saved there (what the server's
 * periodic checkpoint does), so a restart restores them and folds the last `tail` events. The fold is the
 * projections' own (`storeProjections`), the checkpoints are written with the host's codec and store capability.
 */
import { storeProjections, type Projection } from '../../projections/index.js';
import { checkpointName, encodeCheckpoint } from '../../src/projections/index.js';
import { SqliteEventStore } from '../../src/store/index.js';

/** What was saved. */
export interface PrimedCheckpoints {
  readonly position: bigint;
  readonly head: bigint;
  readonly seconds: number;
  readonly bytes: number;
}

/** Folds `file`'s log up to `tail` events before its head and saves every store projection's checkpoint there. */
export async function primeCheckpoints(file: string, tail: number, poolName = 'main'): Promise<PrimedCheckpoints> {
  const started = performance.now();
  const store = SqliteEventStore.open(file)._unsafeUnwrap();
  try {
    const projections = Object.entries(storeProjections(poolName)) as [string, Projection<unknown>][];
    const states = new Map<string, unknown>(projections.map(([name, projection]) => [name, projection.initial()]));
    const head = (await store.headPosition())._unsafeUnwrap();
    // SQLite positions are contiguous (AUTOINCREMENT, rows are never deleted): the cut is `tail` positions back.
    const target = head - BigInt(Math.min(tail, Number(head)));
    let position = 0n;
    let previous = 0n;
    let eventId = '';
    for (;;) {
      const page = (await store.readAll({ fromPosition: position, maxCount: 1_000 }))._unsafeUnwrap();
      let done = page.length === 0;
      for (const event of page) {
        if (event.position > target) {
          done = true;
          break;
        }
        for (const [name, projection] of projections) states.set(name, projection.apply(states.get(name), event));
        previous = position;
        position = event.position;
        eventId = event.id;
      }
      if (done) break;
    }
    let bytes = 0;
    for (const [name, projection] of projections) {
      const stored = encodeCheckpoint({ version: projection.version ?? 0, position, eventId, previous, state: states.get(name) });
      bytes += stored.body.length;
      (await store.writeCheckpoint(checkpointName(name), stored))._unsafeUnwrap();
    }
    return { position, head, seconds: (performance.now() - started) / 1000, bytes };
  } finally {
    await store.close();
  }
}
