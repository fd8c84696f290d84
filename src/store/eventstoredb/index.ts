export { EsdbEventStore } from './esdb-event-store.js';
