/** Reads a stopped server's whole SQLite event log through the store port (never while a server holds the file). */
import { openStore, type RecordedEvent } from '../../../src/store/index.js';

/** Every event of the store file, in log order; rejects when the file cannot be opened or read. */
export async function readStoredLog(storeFile: string): Promise<RecordedEvent[]> {
  const opened = await openStore(`sqlite:${storeFile}`);
  if (opened.isErr()) throw new Error(`cannot open ${storeFile}: ${JSON.stringify(opened.error)}`);
  const store = opened.value;
  try {
    const read = await store.readAll();
    if (read.isErr()) throw new Error(`cannot read ${storeFile}: ${JSON.stringify(read.error)}`);
    return [...read.value];
  } finally {
    await store.close();
  }
}
