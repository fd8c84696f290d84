import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeEventStoreConformance } from '../conformance.js';
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
