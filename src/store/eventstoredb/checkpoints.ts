/**
 * Checkpoints on EventStoreDB: each one is the last event of its own system stream `$aicli-checkpoint-<name>`
 * (`$maxCount: 1`, so a scavenge drops the older ones). System streams never reach our readers (`fromResolved`
 * skips them), so checkpoints stay out of `readAll`, `subscribe` and `listStreams`. Writing a `$` stream needs a
 * user allowed to (the admin by default); the body is one event, so it is bounded by the server's event size limit.
 */
import { BACKWARDS, END, jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import type { StoredCheckpoint } from '../types.js';
import { isEsdbStreamAbsent } from './errors.js';

const CHECKPOINT_EVENT = 'aicli-checkpoint';

/** The stream holding checkpoint `name`. */
export const checkpointStream = (name: string): string => `$aicli-checkpoint-${name}`;

/** Appends `checkpoint` as the new last event of its stream, setting `$maxCount: 1` on the first write. */
export async function writeEsdbCheckpoint(client: EventStoreDBClient, name: string, checkpoint: StoredCheckpoint): Promise<void> {
  const stream = checkpointStream(name);
  const data = { position: checkpoint.position.toString(), eventId: checkpoint.eventId, body: checkpoint.body };
  const appended = await client.appendToStream(stream, jsonEvent({ type: CHECKPOINT_EVENT, data }));
  if (appended.nextExpectedRevision === 0n) await client.setStreamMetadata(stream, { maxCount: 1 });
}

/** The last checkpoint written under `name`, or `null`. */
export async function readEsdbCheckpoint(client: EventStoreDBClient, name: string): Promise<StoredCheckpoint | null> {
  try {
    for await (const resolved of client.readStream(checkpointStream(name), { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
      const data = resolved.event?.data as { position?: unknown; eventId?: unknown; body?: unknown } | undefined;
      if (typeof data?.position !== 'string' || typeof data.eventId !== 'string' || typeof data.body !== 'string') return null;
      return { position: BigInt(data.position), eventId: data.eventId, body: data.body };
    }
    return null;
  } catch (cause) {
    if (isEsdbStreamAbsent(cause)) return null;
    throw cause;
  }
}
