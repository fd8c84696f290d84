import { describeEventStoreConformance } from '../testing/conformance.js';
import { MemoryEventStore } from '../memory/index.js';
import { encryptAtRest } from './encrypted-store.js';
import { parseKeyring } from './keyring.js';
import { newKeyEntry } from './keyring.js';

// The decorator must keep every promise of the port: the whole suite, with the fields the suite writes sealed.
const keyring = parseKeyring(`${newKeyEntry('old')}\n${newKeyEntry('now')}`, 'test')._unsafeUnwrap();
const sealEverything = ['n', 'retry', 'w', 'i', 'items', 'note', 'big', 'x', 'v', 'value'];
const fields = Object.fromEntries(
  ['A', 'B', 'C', 'D', 'X', 'Y', 'Other', 'Added', 'Tick', 'Shared', 'Seed', 'Renamed', 'Removed', 'Raced', 'Placed', 'Later', 'Checked', 'Again', 'Paid', 'Shipped', 'E', 'T', 'Test'].map((type) => [type, sealEverything]),
);

describeEventStoreConformance('memory, encrypted at rest', () => encryptAtRest(new MemoryEventStore(), { keyring, fields }), { modelRuns: 50 });
