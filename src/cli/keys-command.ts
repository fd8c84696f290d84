/**
 * `aicli-api keys …`: the API keys kept in the event store, managed offline (no server needed). `create` prints the
 * new key once; `list` shows every key (never the key itself); `revoke` stops one. Create and revoke hold the SQLite
 * store file's lock while they write, so they refuse while a server runs on the same file: use the REST API
 * (`/api/v1/api-keys`) then. On EventStoreDB a running server sees the change at once (and closes the revoked
 * key's WebSocket connections).
 */
import { Command, Option } from 'commander';
import type { ResultAsync } from 'neverthrow';
import { listApiKeys } from '../../projections/index.js';
import { SERVER_ROLES } from '../config/schema.js';
import { createApiKey, readApiKeys, revokeApiKey, type ApiKeyCommandError } from '../server/auth/index.js';
import { apiKeyErrorToApi, apiKeyView } from '../server/routes/api-keys.js';
import { formatStoreError, type EventStore, type StoreError } from '../store/index.js';
import { EXIT_CODES } from './exit-codes.js';

/** Where the command writes, and how it opens the store and takes the store's write lock. */
export interface KeysCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly setExitCode: (code: number) => void;
  readonly openStore: () => ResultAsync<EventStore, StoreError>;
  /** Takes the lock a writer must hold; the error says who holds it. */
  readonly lockForWrite: () => ResultAsync<{ release(): void }, string>;
  readonly now: () => number;
}

/** The `by` of changes made from the command line. */
export const CLI_ACTOR = 'cli';

type View = ReturnType<typeof apiKeyView>;

const line = (key: View): string =>
  `${key.id}  ${key.name}  ${key.role}  ${key.tenant}  ${key.prefix}…${key.last4}  created ${new Date(key.createdAt).toISOString()}${key.revokedAt === null ? '' : `  revoked ${new Date(key.revokedAt).toISOString()}`}`;

/** Builds the `keys` command. */
export function createKeysCommand(io: KeysCommandIo): Command {
  const fail = (message: string): void => {
    io.stderr(`error: ${message}\n`);
    io.setExitCode(EXIT_CODES.failure);
  };
  const failed = (error: ApiKeyCommandError): void => fail(apiKeyErrorToApi(error).message);

  const withStore = async (write: boolean, run: (store: EventStore) => Promise<void>): Promise<void> => {
    const locked = write ? await io.lockForWrite() : undefined;
    if (locked?.isErr()) return fail(`${locked.error}; while a server runs on this store, use its /api/v1/api-keys routes`);
    const lock = locked?.isOk() ? locked.value : undefined;
    try {
      const opened = await io.openStore();
      if (opened.isErr()) return fail(formatStoreError(opened.error));
      try {
        await run(opened.value);
      } finally {
        await opened.value.close();
      }
    } finally {
      lock?.release();
    }
  };

  const command = new Command('keys').description('manage the API keys kept in the event store (offline; a running server has /api/v1/api-keys)');

  command
    .command('create')
    .description('create an API key and print it (shown this once only)')
    .requiredOption('--name <name>', 'the user the key acts as')
    .addOption(new Option('--role <role>', 'its server role').choices([...SERVER_ROLES]).makeOptionMandatory())
    .option('--tenant <tenant>', 'its tenant', 'default')
    .option('--json', 'print JSON')
    .action((options: { name: string; role: string; tenant: string; json?: boolean }) =>
      withStore(true, async (store) => {
        const created = await createApiKey(store, { name: options.name, role: options.role, tenant: options.tenant }, { by: CLI_ACTOR, now: io.now() });
        if (created.isErr()) return failed(created.error);
        const view = apiKeyView(created.value.record);
        io.stdout(options.json === true ? `${JSON.stringify({ key: created.value.key, apiKey: view })}\n` : `${created.value.key}\n${line(view)}\n(the key is shown this once only; send it as the x-api-key header)\n`);
        io.setExitCode(EXIT_CODES.ok);
      }),
    );

  command
    .command('list')
    .description('list the keys, revoked ones included (never the keys themselves)')
    .option('--json', 'print JSON lines')
    .action((options: { json?: boolean }) =>
      withStore(false, async (store) => {
        const read = await readApiKeys(store);
        if (read.isErr()) return fail(formatStoreError(read.error));
        for (const key of listApiKeys(read.value.state).map(apiKeyView)) io.stdout(`${options.json === true ? JSON.stringify(key) : line(key)}\n`);
        io.setExitCode(EXIT_CODES.ok);
      }),
    );

  command
    .command('revoke')
    .description('revoke a key by id: it is refused from then on')
    .argument('<id>', 'the key id (see keys list)')
    .action((id: string) =>
      withStore(true, async (store) => {
        const revoked = await revokeApiKey(store, id, { by: CLI_ACTOR, now: io.now() });
        if (revoked.isErr()) return failed(revoked.error);
        io.stdout(`revoked ${line(apiKeyView(revoked.value.record))}\n`);
        io.setExitCode(EXIT_CODES.ok);
      }),
    );

  return command;
}
