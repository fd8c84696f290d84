/**
 * `aicli-api events …`: operator access to the event log. `streams` lists live streams, `read` prints one stream,
 * `tail` follows the global log until Ctrl-C. One line per event, readable by default
 * (`position  stream@revision  type  recordedAt  data`) or JSON lines with `--json` (bigints as strings).
 */
import { Command, InvalidArgumentError } from 'commander';
import type { ResultAsync } from 'neverthrow';
import { formatStoreError, type EventFilter, type EventStore, type RecordedEvent, type StoreError, type StreamSummary } from '../store/index.js';
import { EXIT_CODES } from './exit-codes.js';

/** Where the command writes and how it learns about Ctrl-C; the defaults use the process. */
export interface EventsCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly setExitCode: (code: number) => void;
  /** Calls `handler` on the first interrupt (SIGINT); returns a function that unregisters it. */
  readonly onInterrupt?: (handler: () => void) => () => void;
}

const processIo: EventsCommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** Calls `handler` on the first SIGINT; returns a function that unregisters it. */
export const onSigint = (handler: () => void): (() => void) => {
  process.once('SIGINT', handler);
  return () => process.off('SIGINT', handler);
};

/**
 * Opens the store, runs `run` on it and closes it; a failure (opening, or the one `run` returns) prints
 * `error: <message>` on stderr and sets exit code 1. The operator commands that read the store share it.
 */
export async function withOperatorStore(
  openStore: () => ResultAsync<EventStore, StoreError>,
  io: Pick<EventsCommandIo, 'stderr' | 'setExitCode'>,
  run: (store: EventStore) => Promise<StoreError | undefined>,
): Promise<void> {
  const fail = (error: StoreError): void => {
    io.stderr(`error: ${formatStoreError(error)}\n`);
    io.setExitCode(EXIT_CODES.failure);
  };
  const opened = await openStore();
  if (opened.isErr()) return fail(opened.error);
  try {
    const error = await run(opened.value);
    if (error !== undefined) fail(error);
  } finally {
    await opened.value.close();
  }
}

/** One event as a readable line. */
export function formatEventLine(event: RecordedEvent): string {
  return `${event.position}  ${event.stream}@${event.revision}  ${event.type}  ${event.recordedAt.toISOString()}  ${JSON.stringify(event.data)}`;
}

/** One event as a JSON line; bigints become strings so no precision is lost. */
export function formatEventJson(event: RecordedEvent): string {
  return JSON.stringify({
    position: event.position.toString(),
    stream: event.stream,
    revision: event.revision.toString(),
    id: event.id,
    type: event.type,
    recordedAt: event.recordedAt.toISOString(),
    data: event.data,
    metadata: event.metadata,
  });
}

const formatStream = (summary: StreamSummary, json: boolean): string =>
  json ? JSON.stringify({ stream: summary.stream, revision: summary.revision.toString() }) : `${summary.stream}@${summary.revision}`;

const parseNonNegative = (what: string) => (value: string): bigint => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${what} must be a non-negative integer.`);
  return BigInt(value);
};

const parseCount = (value: string): number => {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('must be a non-negative integer.');
  return Number(value);
};

/**
 * Builds the `events` command. `openStore` is called once per invocation; the command closes the store when it
 * is done. Failures print `error: <message>` on stderr and set exit code 1.
 */
export function createEventsCommand(openStore: () => ResultAsync<EventStore, StoreError>, io: EventsCommandIo = processIo): Command {
  const withStore = (run: (store: EventStore) => Promise<StoreError | undefined>): Promise<void> => withOperatorStore(openStore, io, run);

  const events = new Command('events').description('inspect the event log: list streams, read a stream, follow new events');

  events
    .command('streams')
    .description('list streams that exist, with their last revision')
    .option('--prefix <prefix>', 'only streams whose name starts with this')
    .option('--json', 'JSON lines instead of text')
    .action((options: { prefix?: string; json?: boolean }) =>
      withStore(async (store) => {
        const listed = await store.listStreams(options.prefix === undefined ? {} : { prefix: options.prefix });
        if (listed.isErr()) return listed.error;
        for (const summary of listed.value) io.stdout(`${formatStream(summary, options.json === true)}\n`);
        return undefined;
      }),
    );

  events
    .command('read')
    .description('print the events of one stream, oldest first')
    .argument('<stream>', 'stream name, e.g. session-42')
    .option('--from <revision>', 'first revision to print', parseNonNegative('--from'))
    .option('--max <count>', 'print at most this many events', parseCount)
    .option('--json', 'JSON lines instead of text')
    .action((stream: string, options: { from?: bigint; max?: number; json?: boolean }) =>
      withStore(async (store) => {
        const read = await store.readStream(stream, {
          ...(options.from === undefined ? {} : { from: options.from }),
          ...(options.max === undefined ? {} : { maxCount: options.max }),
        });
        if (read.isErr()) return read.error;
        const format = options.json === true ? formatEventJson : formatEventLine;
        for (const event of read.value) io.stdout(`${format(event)}\n`);
        return undefined;
      }),
    );

  events
    .command('tail')
    .description('follow new events of the whole log (or of matching streams) until Ctrl-C')
    .option('--prefix <prefix>', 'only streams whose name starts with this')
    .option('--type <type...>', 'only these event types')
    .option('--from <position>', 'start after this global position instead of at the current end', parseNonNegative('--from'))
    .option('--json', 'JSON lines instead of text')
    .action((options: { prefix?: string; type?: string[]; from?: bigint; json?: boolean }) =>
      withStore(async (store) => {
        let fromPosition = options.from;
        if (fromPosition === undefined) {
          const head = await store.headPosition();
          if (head.isErr()) return head.error;
          fromPosition = head.value;
        }
        const filter: EventFilter = {
          ...(options.prefix === undefined ? {} : { streamPrefix: options.prefix }),
          ...(options.type === undefined ? {} : { eventTypes: options.type }),
        };
        const subscription = store.subscribe({ fromPosition, filter });
        const unregister = (io.onInterrupt ?? onSigint)(() => void subscription.close());
        const format = options.json === true ? formatEventJson : formatEventLine;
        try {
          for await (const event of subscription) io.stdout(`${format(event)}\n`);
        } finally {
          unregister();
        }
        const ended = await subscription.ended;
        return ended.isErr() ? ended.error : undefined;
      }),
    );

  return events;
}
