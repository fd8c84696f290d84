/**
 * The `aicli-api` command line: serving is the default action; subcommands (config, events, replay …) hang off
 * the same program and share the configuration flags.
 */
import { Command } from 'commander';
import YAML from 'yaml';
import { PACKAGE_VERSION, redactSecrets, toRawConfig } from '../config/index.js';
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
    .action(async (flags: ConfigFlags) => {
      const loaded = loadConfigForCli(flags, io.env, io.stderr);
      if (typeof loaded === 'number') return io.setExitCode(loaded);
      io.setExitCode(await serve(loaded.config, loaded.warnings, io));
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

  return program;
}
