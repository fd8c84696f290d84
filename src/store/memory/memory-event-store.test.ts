import { describeEventStoreConformance } from '../testing/conformance.js';
import { MemoryEventStore } from './memory-event-store.js';

describeEventStoreConformance('memory', () => new MemoryEventStore(), { modelRuns: 100 });
