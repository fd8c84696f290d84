/**
 * The command-line flags that feed configuration, shared by every subcommand: they become
 * {@link ConfigSources} so flags outrank environment variables, the file and the defaults.
 */
import type { Command } from 'commander';
import { FAKE_CLAUDE_COMMAND, type ConfigOverride, type ConfigSources } from '../config/index.js';

/** The flags as commander parses them. */
export interface ConfigFlags {
  config?: string;
  enableAdvancedFeatures?: boolean;
  port?: string;
  host?: string;
  logLevel?: string;
  store?: string;
  set?: string[];
  agent?: string;
}

/** Values of `--agent`: the configured `agent.command`, or the bundled fake claude. */
export const AGENT_KINDS = ['claude', 'fake'] as const;

/** Adds the configuration flags to a command. */
export function addConfigOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'YAML config file, merged over config/default.yaml (env AICLI_CONFIG_FILE)')
    .option('--enable-advanced-features', 'turn on auto-scaling, the memory pool and leak detection (env AICLI_ADVANCED_FEATURES=true)')
    .option('-p, --port <port>', 'TCP port to listen on, 0 for any free port (env AICLI_PORT; default 8080)')
    .option('--host <host>', 'interface to listen on (env AICLI_HOST; default 127.0.0.1)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (env AICLI_LOG_LEVEL)')
    .option('--store <url>', 'event store: sqlite:PATH, memory: or esdb://HOST:2113?tls=false (env AICLI_STORE_URL)')
    .option('--set <key=value>', 'set any config key, e.g. --set session_pool.min_size=5 (repeatable)', collect, [])
    .option('--agent <kind>', 'claude (agent.command, default) or fake: the bundled stand-in that needs no API key');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A flag value that cannot be used: a `--set` that is not `key=value`, an unknown `--agent`. */
export interface BadFlag {
  readonly flag: string;
  /** What the flag takes, when it is not `key=value`. */
  readonly expected?: string;
}

/** Turns parsed flags and the environment into config sources; returns the malformed `--set` flags if any. */
export function configSourcesFrom(flags: ConfigFlags, env: Readonly<Record<string, string | undefined>>): ConfigSources | BadFlag {
  const overrides: ConfigOverride[] = [];
  if (flags.agent !== undefined) {
    if (!(AGENT_KINDS as readonly string[]).includes(flags.agent)) return { flag: `--agent ${flags.agent}`, expected: AGENT_KINDS.join(' or ') };
    if (flags.agent === 'fake') overrides.push({ path: ['agent', 'command'], value: FAKE_CLAUDE_COMMAND, label: '--agent=fake' });
  }
  if (flags.enableAdvancedFeatures) overrides.push({ path: ['advanced_features'], value: true, label: '--enable-advanced-features' });
  if (flags.port !== undefined) overrides.push({ path: ['server', 'port'], value: flags.port, label: '--port' });
  if (flags.host !== undefined) overrides.push({ path: ['server', 'host'], value: flags.host, label: '--host' });
  if (flags.logLevel !== undefined) overrides.push({ path: ['logging', 'level'], value: flags.logLevel, label: '--log-level' });
  if (flags.store !== undefined) overrides.push({ path: ['store', 'url'], value: flags.store, label: '--store' });
  for (const assignment of flags.set ?? []) {
    const equals = assignment.indexOf('=');
    if (equals <= 0) return { flag: `--set ${assignment}` };
    const key = assignment.slice(0, equals).trim();
    overrides.push({ path: key.split('.'), value: assignment.slice(equals + 1), label: `--set ${key}` });
  }
  return { file: flags.config, env, overrides };
}
