/**
 * The `aicli-api` command line: serving is the default action; subcommands (config, events, replay …) hang off
 * the same program and share the configuration flags.
 */
import { Command, CommanderError } from 'commander';
import { errAsync } from 'neverthrow';
import YAML from 'yaml';
import { PACKAGE_VERSION, redactSecrets, toRawConfig, type Config } from '../config/index.js';
import { formatKeyringInvalid, storeUnavailable } from '../store/index.js';
import { createAuditCommand } from './audit-command.js';
import { createEventsCommand } from './events-command.js';
import { createKeysCommand } from './keys-command.js';
import { createReplayCommand } from './replay-command.js';
import { lockStoreFile } from './instance-locks.js';
import { createLogger } from '../observability/logger.js';
import { describeStoreOpenFailure, openConfiguredStore, reportUnreadableEvents } from './store-from-config.js';
import { loadStoreKeyring } from './store-keyring.js';
import { addConfigOptions, type ConfigFlags } from './config-options.js';
import { loadConfigForCli } from './load-config.js';
import { serve, type ServeIo } from './serve.js';
import { EXIT_CODES } from './exit-codes.js';

/** Output and process facilities of the CLI, replaceable in tests. */
export interface CliIo extends ServeIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly setExitCode: (code: number) => void;
}

const HELP_AFTER = `
Configuration precedence (highest first): flags, environment variables, the --config file, config/default.yaml.
Environment:
  AICLI_CONFIG_FILE=FILE         same as --config
  AICLI_ADVANCED_FEATURES=true   same as --enable-advanced-features
  AICLI_PORT, AICLI_HOST, AICLI_LOG_LEVEL, AICLI_STORE_URL
  AICLI__SECTION__KEY=VALUE      any config key, e.g. AICLI__SESSION_POOL__MAX_SIZE=50
  AICLI_ENCRYPTION_KEYS=ID:KEY,… the store keyring (security.encryption.key_env), instead of a key file

Examples:
  aicli-api                                                   # embedded defaults, http://127.0.0.1:8080
  aicli-api --config=config/advanced.yaml --enable-advanced-features
  aicli-api config --config=config/advanced.yaml              # print the effective configuration

Exit codes: 0 stopped cleanly, 1 runtime failure, 2 bad usage, 78 invalid configuration.`;

/** Builds the program; `io` receives all output so tests can run commands in-process. */
export function buildProgram(io: CliIo): Command {
  const program = addConfigOptions(new Command('aicli-api'))
    .description('Run and supervise many Claude Code CLI sessions behind one REST and WebSocket server.')
    .version(PACKAGE_VERSION, '-v, --version')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError()
    .addHelpText('after', HELP_AFTER)
    .option('--inspect [url]', 'development: report actors to the Stately inspector (default ws://127.0.0.1:8081)')
    .option('--refold', 'ignore the saved projection checkpoints: fold the whole event log at start (then save new ones)')
    .action(async (flags: ConfigFlags & { inspect?: string | boolean; refold?: boolean }) => {
      const loaded = loadConfigForCli(flags, io.env, io.stderr);
      if (typeof loaded === 'number') return io.setExitCode(loaded);
      io.setExitCode(await serve(loaded.config, loaded.warnings, io, { inspect: flags.inspect, refold: flags.refold === true }));
    });

  program
    .command('config')
    .description('print the effective configuration as YAML (secrets hidden) and exit; non-zero if it is invalid')
    .action((_options: unknown, command: Command) => {
      const loaded = loadConfigForCli(command.optsWithGlobals<ConfigFlags>(), io.env, io.stderr);
      if (typeof loaded === 'number') return io.setExitCode(loaded);
      for (const warning of loaded.warnings) io.stderr(`warning: ${warning}\n`);
      io.stdout(`# profile: ${loaded.config.features.profile}\n${YAML.stringify(redactSecrets(toRawConfig(loaded.config)))}`);
      io.setExitCode(EXIT_CODES.ok);
    });

  // Operator commands that read the store load the configuration first; an invalid one stops them with 78.
  let operatorConfig: Config | undefined;
  const openStoreForOperator = () => {
    if (operatorConfig === undefined) return errAsync(storeUnavailable('configuration was not loaded'));
    const config = operatorConfig;
    const keys = loadStoreKeyring(config, io.env, { generate: false });
    if (keys.isErr()) return errAsync(storeUnavailable(`${formatKeyringInvalid(keys.error)} (security.encryption)`));
    const onUnreadable = reportUnreadableEvents((message) => io.stderr(`warning: ${message}\n`));
    return openConfiguredStore(config, keys.value.keyring, onUnreadable).mapErr((error) => storeUnavailable(describeStoreOpenFailure(config, error).message));
  };
  const operatorIo = { ...io, onInterrupt: (handler: () => void) => (io.onSignal(handler), () => undefined) };
  const operatorCommand = (command: Command): Command =>
    inheritSettings(command, program).hook('preAction', () => {
      const loaded = loadConfigForCli(program.opts<ConfigFlags>(), io.env, io.stderr);
      if (typeof loaded === 'number') throw new CommanderError(loaded, CONFIG_EXIT, 'invalid configuration');
      operatorConfig = loaded.config;
    });
  program.addCommand(operatorCommand(createEventsCommand(openStoreForOperator, operatorIo)));
  program.addCommand(operatorCommand(createAuditCommand(openStoreForOperator, operatorIo)));
  program.addCommand(operatorCommand(createReplayCommand(openStoreForOperator, io)));
  program.addCommand(
    operatorCommand(
      createKeysCommand({
        ...io,
        openStore: openStoreForOperator,
        lockForWrite: () => (operatorConfig === undefined ? errAsync('configuration was not loaded') : lockStoreFile(operatorConfig, createLogger('silent'))),
        now: Date.now,
      }),
    ),
  );

  return program;
}

/** The CommanderError code that carries one of our exit codes (see main.ts). */
export const CONFIG_EXIT = 'aicli.config';

/** Gives a command built elsewhere, and its subcommands, the program's output and exit handling. */
function inheritSettings(command: Command, program: Command): Command {
  command.copyInheritedSettings(program);
  for (const sub of command.commands) inheritSettings(sub, program);
  return command;
}
