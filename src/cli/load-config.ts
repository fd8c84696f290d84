/** Loads the configuration for a CLI command, printing problems to stderr in the documented format. */
import { formatConfigError, loadConfig, type LoadedConfig } from '../config/index.js';
import { configSourcesFrom, type ConfigFlags } from './config-options.js';
import { EXIT_CODES } from './exit-codes.js';

/** The loaded config, or the exit code to stop with after the problem was printed. */
export function loadConfigForCli(flags: ConfigFlags, env: Readonly<Record<string, string | undefined>>, stderr: (text: string) => void): LoadedConfig | number {
  const sources = configSourcesFrom(flags, env);
  if ('flag' in sources) {
    stderr(`aicli-api: ${sources.flag}: expected ${sources.expected ?? 'key=value, e.g. --set session_pool.min_size=5'}\n`);
    return EXIT_CODES.usage;
  }
  const loaded = loadConfig(sources);
  if (loaded.isErr()) {
    const lines = formatConfigError(loaded.error).split('\n').map((line) => `  ${line}`).join('\n');
    stderr(`aicli-api: invalid configuration\n${lines}\n`);
    return EXIT_CODES.config;
  }
  return loaded.value;
}
