import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeEventStoreConformance } from '../testing/conformance.js';
import { SqliteEventStore } from './sqlite-event-store.js';

const dir = mkdtempSync(join(tmpdir(), 'aicli-sqlite-conformance-'));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEventStoreConformance(
  'sqlite (file, durability full)',
  () => SqliteEventStore.open(join(dir, `store-${files++}.db`), { durability: 'full' })._unsafeUnwrap(),
  { modelRuns: 30 },
);

describeEventStoreConformance('sqlite (:memory:)', () => SqliteEventStore.open(':memory:')._unsafeUnwrap(), { modelRuns: 10 });

// A tiny compaction threshold moves the index from `recent` to `stream_index` every few writes, so every read,
// retry lookup and delete above also runs across the boundary between the two tiers.
describeEventStoreConformance(
  'sqlite (file, compacting every 3 index entries)',
  () => SqliteEventStore.open(join(dir, `store-${files++}.db`), { durability: 'full', compactionThreshold: 3 })._unsafeUnwrap(),
  { modelRuns: 30 },
);

// With two cached stream heads, nearly every append loads its head from the file after the cache trimmed it.
describeEventStoreConformance('sqlite (:memory:, 2 cached stream heads)', () => SqliteEventStore.open(':memory:', { headCacheSize: 2 })._unsafeUnwrap(), {
  modelRuns: 30,
});
