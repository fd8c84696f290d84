/**
 * `aicli-api replay <stream> [--at REVISION] [--json]`: folds one actor stream (`session-…`, `breaker-…`) through
 * its machine, without side effects, and prints what each event did — `#rev Type  before → after`, then one line
 * per context change — or, with `--at`, the actor's state and context as of that revision (YAML). `--json` prints
 * JSON lines instead (bigints as strings). Backed by `replayStream` in `src/runtime/`.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { ResultAsync } from 'neverthrow';
import YAML from 'yaml';
import {
  formatRuntimeError,
  replayEntryJson,
  replayStateJson,
  replayStream,
  RUNTIME_ERROR_KIND,
  storeFailure,
  stringifyJson,
  type ContextChange,
  type ReplayEntry,
  type RuntimeError,
  type StreamReplay,
} from '../runtime/index.js';
import type { EventStore, StoreError } from '../store/index.js';
import { EXIT_CODES } from './exit-codes.js';

/** Where the command writes and how it reports its exit code. */
export interface ReplayCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly setExitCode: (code: number) => void;
}

const VALUE_WIDTH = 120;
const INDENT = '    ';

const show = (value: unknown): string => {
  const text = value === undefined ? 'undefined' : stringifyJson(value);
  return text.length > VALUE_WIDTH ? `${text.slice(0, VALUE_WIDTH - 1)}…` : text;
};

const showState = (value: unknown): string => (value === null ? '(new)' : typeof value === 'string' ? value : stringifyJson(value));

/** One context change as a readable line: `+ path: value`, `- path: value` or `~ path: before → after`. */
export function formatChange(change: ContextChange): string {
  switch (change.op) {
    case 'added':
      return `+ ${change.path}: ${show(change.after)}`;
    case 'removed':
      return `- ${change.path}: ${show(change.before)}`;
    case 'changed':
      return `~ ${change.path}: ${show(change.before)} → ${show(change.after)}`;
  }
}

/** One replayed event as a readable block: a header line and an indented line per context change. */
export function formatEntry(entry: ReplayEntry): string {
  const at = entry.at === null ? '' : `  at ${new Date(entry.at).toISOString()}`;
  const drift = entry.accepted ? '' : '  (ignored by the current machine)';
  const header = `#${entry.revision} ${entry.type}  ${showState(entry.from)} → ${showState(entry.to)}${at}${drift}`;
  return [header, ...entry.changes.map((change) => `${INDENT}${formatChange(change)}`)].join('\n');
}

/** The state as of the replay's last revision, as YAML. */
export function formatState(replay: StreamReplay): string {
  const { stream, state } = replay;
  return YAML.stringify({ stream, machine: replay.machine, revision: Number(state.revision), state: state.value, status: state.status, context: state.context });
}

const parseRevision = (value: string): bigint => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('--at must be a non-negative integer (a stream revision).');
  return BigInt(value);
};

const exitCodeOf = (error: RuntimeError): number => (error.kind === RUNTIME_ERROR_KIND.UnknownActorKind ? EXIT_CODES.usage : EXIT_CODES.failure);

/**
 * Builds the `replay` command. `openStore` is called once per invocation and the store closed afterwards.
 * Failures print `error: <message>` on stderr; exit code 2 for a stream that is not an actor stream, 1 otherwise.
 */
export function createReplayCommand(openStore: () => ResultAsync<EventStore, StoreError>, io: ReplayCommandIo): Command {
  const fail = (error: RuntimeError): void => {
    io.stderr(`error: ${formatRuntimeError(error)}\n`);
    io.setExitCode(exitCodeOf(error));
  };

  const print = (replay: StreamReplay, options: { at?: bigint; json?: boolean }): void => {
    const json = options.json === true;
    if (options.at !== undefined) {
      io.stdout(json ? `${stringifyJson(replayStateJson(replay.stream, replay.state))}\n` : formatState(replay));
      return;
    }
    for (const entry of replay.entries) {
      io.stdout(json ? `${stringifyJson(replayEntryJson(replay.stream, entry))}\n` : `${formatEntry(entry)}\n`);
    }
  };

  return new Command('replay')
    .description('replay an actor stream through its machine (no side effects): what each event changed, or the state at a revision')
    .argument('<stream>', 'actor stream, e.g. session-42 or breaker-payments')
    .option('--at <revision>', 'print the state and context as of this revision instead of the events', parseRevision)
    .option('--json', 'JSON lines instead of text (revisions as strings)')
    .action(async (stream: string, options: { at?: bigint; json?: boolean }) => {
      const opened = await openStore();
      if (opened.isErr()) return fail(storeFailure(opened.error));
      const store = opened.value;
      try {
        const replayed = await replayStream(store, stream, options.at === undefined ? {} : { at: options.at });
        if (replayed.isErr()) return fail(replayed.error);
        print(replayed.value, options);
      } finally {
        await store.close();
      }
    });
}
