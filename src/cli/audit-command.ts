/**
 * `aicli-api audit tail`: the audit log for operators, read straight from the store as `aicli-api events` reads
 * it. Prints the audit events since `--since` (default 1h ago), filtered by `--actor` and `--action`, one line
 * each (`time  action  outcome  who  from address  target  ×count  req id`) or JSON lines with `--json`; with
 * `--follow` it then follows new ones until Ctrl-C.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { ResultAsync } from 'neverthrow';
import { AUDIT_ACTION, AUDIT_STREAM_PREFIX, isAuditAction, type AuditAction, type AuditEventData } from '../../machines/index.js';
import { auditDataOf, matchesAuditQuery, parseAuditCursor, parseAuditTime, readAuditPage, AUDIT_TIME_HINT, type AuditCursor, type AuditQuery } from '../audit/index.js';
import type { EventStore, StoreError } from '../store/index.js';
import { onSigint, withOperatorStore, type EventsCommandIo } from './events-command.js';

const PAGE = 500;
const DAY_MS = 86_400_000;

/** One audit event as a readable line. */
export function formatAuditLine(data: AuditEventData): string {
  const { actor, target } = data;
  const who = `${actor.userId ?? '-'}${actor.tenant === null ? '' : `@${actor.tenant}`}${actor.role === null ? '' : ` (${actor.role}${actor.keyId === null ? '' : `, ${actor.keyId}`})`}`;
  const outcome = data.reason === null ? data.outcome : `${data.outcome}:${data.reason}`;
  const what = Object.entries(target).map(([key, value]) => `${key}=${String(value)}`).join(' ');
  return [
    new Date(data.at).toISOString(),
    data.action,
    outcome,
    who,
    `from ${actor.address ?? '-'}`,
    ...(what === '' ? [] : [what]),
    ...(data.count > 1 ? [`×${data.count}`] : []),
    ...(data.requestId === null ? [] : [`req ${data.requestId}`]),
  ].join('  ');
}

interface TailOptions {
  readonly follow?: boolean;
  readonly since?: string;
  readonly actor?: string;
  readonly action?: AuditAction;
  readonly json?: boolean;
}

const parseAction = (value: string): AuditAction => {
  if (!isAuditAction(value)) throw new InvalidArgumentError(`must be one of ${Object.values(AUDIT_ACTION).join(', ')}.`);
  return value;
};

/**
 * Builds the `audit` command. `openStore` is called once per invocation and the store closed afterwards;
 * `now` says what time it is (for `--since`). Failures print `error: <message>` and set exit code 1.
 */
export function createAuditCommand(openStore: () => ResultAsync<EventStore, StoreError>, io: EventsCommandIo, now: () => number = Date.now): Command {
  const audit = new Command('audit').description('the audit log: authentication failures, key, participant and session changes, history and state reads');
  audit
    .command('tail')
    .description('print audit events since a time (default 1h ago), optionally filtered; --follow keeps printing new ones until Ctrl-C')
    .option('--since <time>', `start here: ${AUDIT_TIME_HINT}`, (value: string) => {
      if (parseAuditTime(value, now()).isErr()) throw new InvalidArgumentError(`must be ${AUDIT_TIME_HINT}.`);
      return value;
    })
    .option('--actor <userId>', 'only events by this user')
    .option('--action <action>', 'only this action (auth.failed, session.created …)', parseAction)
    .option('--follow', 'then follow new events until Ctrl-C')
    .option('--json', 'JSON lines instead of text')
    .action((options: TailOptions) => withOperatorStore(openStore, io, (store) => tail(store, options, io, now())));
  return audit;
}

async function tail(store: EventStore, options: TailOptions, io: EventsCommandIo, now: number): Promise<StoreError | undefined> {
  const filter: Omit<AuditQuery, 'limit' | 'cursor' | 'to'> = {
    from: parseAuditTime(options.since ?? '1h', now)._unsafeUnwrap(),
    ...(options.actor === undefined ? {} : { actor: options.actor }),
    ...(options.action === undefined ? {} : { action: options.action }),
  };
  const print = (data: AuditEventData, where: { stream: string; revision: number; position: string }): void =>
    io.stdout(`${options.json === true ? JSON.stringify({ ...data, ...where }) : formatAuditLine(data)}\n`);
  // Taken before reading, so following starts where the read could have missed nothing.
  let head: bigint | undefined;
  if (options.follow === true) {
    const read = await store.headPosition();
    if (read.isErr()) return read.error;
    head = read.value;
  }
  let printed = 0n;
  let cursor: AuditCursor | undefined;
  do {
    const page = await readAuditPage(store, { ...filter, to: now + DAY_MS, limit: PAGE, ...(cursor === undefined ? {} : { cursor }) });
    if (page.isErr()) return page.error;
    for (const { stream, revision, position, ...data } of page.value.events) {
      print(data, { stream, revision, position });
      if (BigInt(position) > printed) printed = BigInt(position);
    }
    cursor = page.value.nextCursor === null ? undefined : (parseAuditCursor(page.value.nextCursor) ?? undefined);
  } while (cursor !== undefined);
  if (head === undefined) return undefined;

  const subscription = store.subscribe({ fromPosition: head, filter: { streamPrefix: AUDIT_STREAM_PREFIX } });
  const unregister = (io.onInterrupt ?? onSigint)(() => void subscription.close());
  try {
    for await (const event of subscription) {
      const data = auditDataOf(event);
      if (event.position <= printed || data === null || !matchesAuditQuery(data, { ...filter, to: Number.MAX_SAFE_INTEGER })) continue;
      print(data, { stream: event.stream, revision: Number(event.revision), position: event.position.toString() });
    }
  } finally {
    unregister();
  }
  const ended = await subscription.ended;
  return ended.isErr() ? ended.error : undefined;
}
