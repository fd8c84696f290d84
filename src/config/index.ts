export { loadConfig, toRawConfig, redactSecrets } from './load.js';
export type { Config, ConfigSources, EffectiveFeatures, LoadedConfig } from './load.js';
export type { ConfigError, ConfigIssue } from './errors.js';
export { formatConfigError, formatConfigIssue } from './errors.js';
export type { ConfigOverride } from './sources.js';
export { ENV_VARIABLES, CONFIG_FILE_VARIABLE } from './sources.js';
export { ConfigSchema, LOG_LEVELS, type RawConfig, type ConfigValues } from './schema.js';
export { PACKAGE_ROOT, PACKAGE_VERSION, DEFAULT_CONFIG_FILE, FAKE_CLAUDE_COMMAND } from './package-info.js';
export { parseDuration, formatDuration, parseByteSize, formatByteSize } from './units.js';
