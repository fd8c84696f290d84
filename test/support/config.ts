/** Builds a real, validated Config for tests: defaults plus the given `--set`-style overrides. */
import { loadConfig, type Config, type ConfigOverride } from '../../src/config/index.js';

/**
 * A config on an ephemeral loopback port with logging silenced, adjusted by `overrides` (`{'server.port': '0'}`).
 * Auth is off (callers name themselves), as it may be on loopback, unless a test turns it on with credentials:
 * tests that start servers in-process do not go through serve's credential generation.
 */
export function testConfig(overrides: Record<string, string | number | boolean> = {}): Config {
  const all: Record<string, string | number | boolean> = { 'server.port': 0, 'logging.level': 'silent', 'store.url': 'memory:', 'auth.enabled': false, ...overrides };
  const list: ConfigOverride[] = Object.entries(all).map(([key, value]) => ({ path: key.split('.'), value, label: `test ${key}` }));
  return loadConfig({ overrides: list })._unsafeUnwrap().config;
}
