/**
 * Reading a stream forwards in pages, so a long actor stream never comes back as one giant response (EventStoreDB
 * streams it over gRPC; SQLite builds one array). `StreamNotFound` becomes `ActorNotFound`, every other store
 * failure a `StoreFailure`.
 */
import { ResultAsync, err, ok, type Result } from 'neverthrow';
import { isStreamNotFound, type EventStore, type RecordedEvent } from '../store/index.js';
import { HOST_DEFAULTS } from './constants.js';
import { actorNotFound, storeFailure, type RuntimeError } from './errors.js';

/** Options of {@link readForwards}. */
export interface ReadForwardsOptions {
  /** First revision to read (inclusive). */
  readonly from: bigint;
  /** Last revision to read (inclusive); default: the end of the stream. */
  readonly until?: bigint;
  readonly pageSize?: number;
}

/** The stream's events from `from` (to `until`), oldest first; `[]` when there are none past `from`. */
export function readForwards(store: EventStore, stream: string, options: ReadForwardsOptions): ResultAsync<RecordedEvent[], RuntimeError> {
  const pageSize = options.pageSize ?? HOST_DEFAULTS.readPageSize;
  const collect = async (): Promise<Result<RecordedEvent[], RuntimeError>> => {
    const events: RecordedEvent[] = [];
    let from = options.from;
    for (;;) {
      const page = await store.readStream(stream, { from, maxCount: pageSize });
      if (page.isErr()) return err(isStreamNotFound(page.error) ? actorNotFound(stream) : storeFailure(page.error));
      for (const event of page.value) {
        if (options.until !== undefined && event.revision > options.until) return ok(events);
        events.push(event);
      }
      const last = page.value.at(-1);
      if (page.value.length < pageSize || last === undefined) return ok(events);
      from = last.revision + 1n;
    }
  };
  return new ResultAsync(collect());
}
