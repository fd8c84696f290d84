/**
 * Builds the one validated, typed {@link Config} from its sources, in order of precedence: command-line flags,
 * environment variables, the YAML file, and the built-in defaults (`config/default.yaml`).
 */
import { relative } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { TransformDecode, TransformEncode } from '@sinclair/typebox/value';
import { ConfigSchema, type ConfigValues, type RawConfig } from './schema.js';
import type { ConfigError, ConfigIssue } from './errors.js';
import { mergeLayers, originOf, type ConfigLayer } from './layers.js';
import { CONFIG_FILE_VARIABLE, environmentLayer, overrideLayer, readYamlLayer, type ConfigOverride } from './sources.js';
import { validateConfigDocument, type SchemaIssue } from './validate.js';
import { checkConfigRules } from './rules.js';
import { formatKeyPath } from './paths.js';
import { DEFAULT_CONFIG_FILE } from './package-info.js';

/** Which optional behaviour is in force once the advanced switch has been applied. */
export interface EffectiveFeatures {
  readonly profile: 'basic' | 'advanced';
  readonly autoScaling: boolean;
  readonly memoryPool: boolean;
  readonly leakDetection: boolean;
  /** `performance.goroutine_manager.max_goroutines`, read as our limit on concurrent background tasks. */
  readonly maxConcurrentTasks: number;
}

/** The validated configuration: every key decoded, plus where it came from and what is in force. */
export interface Config extends ConfigValues {
  readonly source: { readonly file: string | null };
  readonly features: EffectiveFeatures;
}

/** Everything a caller may supply; the process's own argv and env are read by the CLI, not here. */
export interface ConfigSources {
  /** `--config`; takes precedence over `AICLI_CONFIG_FILE`. */
  readonly file?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly overrides?: readonly ConfigOverride[];
  /** Replaces `config/default.yaml` (tests). */
  readonly defaultsFile?: string;
}

/** A loaded configuration and the non-fatal remarks made while loading it. */
export interface LoadedConfig {
  readonly config: Config;
  readonly warnings: readonly string[];
}

/** Loads, merges, validates and decodes the configuration. */
export function loadConfig(sources: ConfigSources = {}): Result<LoadedConfig, ConfigError> {
  const env = sources.env ?? {};
  const defaultsFile = sources.defaultsFile ?? DEFAULT_CONFIG_FILE;
  const userFile = sources.file ?? (env[CONFIG_FILE_VARIABLE] || undefined);

  const layers: ConfigLayer[] = [];
  const defaults = readYamlLayer(defaultsFile);
  if (defaults.isErr()) return err(defaults.error);
  layers.push({ ...defaults.value, source: displayPath(defaultsFile) });
  if (userFile !== undefined) {
    const user = readYamlLayer(userFile);
    if (user.isErr()) return err(user.error);
    layers.push(user.value);
  }
  const environment = environmentLayer(env);
  if (environment.isErr()) return err(environment.error);
  const commandLine = overrideLayer('command line', sources.overrides ?? []);
  if (commandLine.isErr()) return err(commandLine.error);
  layers.push(environment.value, commandLine.value);

  const merged = mergeLayers(layers);
  const attribute = (issues: SchemaIssue[]): ConfigIssue[] =>
    issues.map(({ path, message, blame }) => ({
      source: originOf(merged.origins, blame ?? path, userFile ?? displayPath(defaultsFile)),
      path: formatKeyPath(path),
      message,
    }));

  const schemaIssues = validateConfigDocument(merged.values);
  if (schemaIssues.length > 0) return err({ kind: 'ConfigInvalid', issues: attribute(schemaIssues) });
  const values = TransformDecode(ConfigSchema, [], merged.values) as ConfigValues;
  const ruleIssues = checkConfigRules(values);
  if (ruleIssues.length > 0) return err({ kind: 'ConfigInvalid', issues: attribute(ruleIssues) });

  const { features, warnings } = effectiveFeatures(values);
  return ok({ config: { ...values, source: { file: userFile ?? null }, features }, warnings });
}

function effectiveFeatures(values: ConfigValues): { features: EffectiveFeatures; warnings: string[] } {
  const advanced = values.advanced_features;
  const requested = {
    autoScaling: ['session_pool.auto_scaling.enabled', values.session_pool.auto_scaling.enabled],
    memoryPool: ['performance.memory_pool.enabled', values.performance.memory_pool.enabled],
    leakDetection: ['performance.goroutine_manager.leak_detection', values.performance.goroutine_manager.leak_detection],
  } as const;
  const warnings = advanced
    ? []
    : Object.values(requested)
        .filter(([, on]) => on)
        .map(([key]) => `${key} is true but has no effect without --enable-advanced-features (or AICLI_ADVANCED_FEATURES=true)`);
  return {
    warnings,
    features: {
      profile: advanced ? 'advanced' : 'basic',
      autoScaling: advanced && requested.autoScaling[1],
      memoryPool: advanced && requested.memoryPool[1],
      leakDetection: advanced && requested.leakDetection[1],
      maxConcurrentTasks: values.performance.goroutine_manager.max_goroutines,
    },
  };
}

/** The configuration written back as YAML-ready values (durations and sizes as text), secrets included. */
export function toRawConfig(config: ConfigValues): RawConfig {
  const { source: _source, features: _features, ...values } = config as Config;
  return TransformEncode(ConfigSchema, [], values) as RawConfig;
}

/** Replaces secrets with `***` so a configuration can be printed or logged. */
export function redactSecrets(raw: RawConfig): RawConfig {
  const hide = (value: string) => (value === '' ? '' : '***');
  return {
    ...raw,
    server: { ...raw.server, tls: { ...raw.server.tls, passphrase: hide(raw.server.tls.passphrase) } },
    auth: { ...raw.auth, jwt: { ...raw.auth.jwt, secret: hide(raw.auth.jwt.secret) } },
    webhooks: { ...raw.webhooks, endpoints: raw.webhooks.endpoints.map((endpoint) => (endpoint.secret === undefined ? endpoint : { ...endpoint, secret: hide(endpoint.secret) })) },
  };
}

function displayPath(file: string): string {
  const shown = relative(process.cwd(), file);
  return shown.startsWith('..') ? file : shown;
}
