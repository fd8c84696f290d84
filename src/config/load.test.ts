import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatConfigError, loadConfig, type ConfigSources } from './index.js';
import { PACKAGE_ROOT } from './package-info.js';

const dir = mkdtempSync(join(tmpdir(), 'aicli-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
function yamlFile(text: string): string {
  const file = join(dir, `config-${fileCount++}.yaml`);
  writeFileSync(file, text);
  return file;
}

const load = (sources: ConfigSources) => loadConfig(sources)._unsafeUnwrap().config;
/** The exact message a bad input produces. */
const failure = (sources: ConfigSources) => formatConfigError(loadConfig(sources)._unsafeUnwrapErr());

const ADVANCED = join(PACKAGE_ROOT, 'config', 'advanced.yaml');

describe('defaults', () => {
  it('config/default.yaml alone is a valid, complete configuration', () => {
    const config = load({});
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080, max_body_size: 1_048_576, shutdown_timeout: 10_000 });
    expect(config.store.url).toBe('sqlite:./data/events.db');
    expect(config.features).toEqual({ profile: 'basic', autoScaling: false, memoryPool: false, leakDetection: false, maxConcurrentTasks: 1000 });
    expect(config.source.file).toBeNull();
  });
});

describe('the documented advanced profile', () => {
  it('accepts config/advanced.yaml exactly as the product document writes it', () => {
    const config = load({ file: ADVANCED, overrides: [{ path: ['advanced_features'], value: true, label: '--enable-advanced-features' }] });
    expect(config.session_pool).toMatchObject({
      min_size: 10,
      max_size: 100,
      auto_scaling: { enabled: true, scale_up_threshold: 0.8, scale_down_threshold: 0.3 },
    });
    expect(config.web_interface.websocket).toEqual({
      max_connections: 1000,
      ping_interval: 30_000,
      pong_timeout: 10_000,
      hello_timeout: 5_000,
      max_unauthenticated: 256,
      max_unauthenticated_per_address: 32,
      max_buffered: 128 * 1024,
    });
    expect(config.performance).toMatchObject({
      memory_pool: { enabled: true, pool_size: 50 },
      goroutine_manager: { max_goroutines: 1000, leak_detection: true },
    });
    expect(config.features).toEqual({ profile: 'advanced', autoScaling: true, memoryPool: true, leakDetection: true, maxConcurrentTasks: 1000 });
    expect(config.source.file).toBe(ADVANCED);
  });

  it('without the advanced switch the advanced toggles are read but not in force, with a warning for each', () => {
    const { config, warnings } = loadConfig({ file: ADVANCED })._unsafeUnwrap();
    expect(config.features).toMatchObject({ profile: 'basic', autoScaling: false, memoryPool: false, leakDetection: false });
    expect(warnings).toEqual([
      'session_pool.auto_scaling.enabled is true but has no effect without --enable-advanced-features (or AICLI_ADVANCED_FEATURES=true)',
      'performance.memory_pool.enabled is true but has no effect without --enable-advanced-features (or AICLI_ADVANCED_FEATURES=true)',
      'performance.goroutine_manager.leak_detection is true but has no effect without --enable-advanced-features (or AICLI_ADVANCED_FEATURES=true)',
    ]);
  });

  it('AICLI_ADVANCED_FEATURES=true and AICLI_CONFIG_FILE select the same profile as the flags', () => {
    const config = load({ env: { AICLI_ADVANCED_FEATURES: 'true', AICLI_CONFIG_FILE: ADVANCED } });
    expect(config.features.profile).toBe('advanced');
    expect(config.session_pool.min_size).toBe(10);
  });
});

describe('precedence: flags > environment > file > defaults', () => {
  const file = yamlFile('server:\n  port: 9000\n  host: 127.0.0.2\nlogging:\n  level: warn\n');

  it('a file overrides the defaults and keeps the rest', () => {
    const config = load({ file });
    expect(config.server.port).toBe(9000);
    expect(config.server.host).toBe('127.0.0.2');
    expect(config.server.shutdown_timeout).toBe(10_000);
  });

  it('environment variables override the file', () => {
    const config = load({ file, env: { AICLI_PORT: '9100', AICLI__LOGGING__LEVEL: 'debug' } });
    expect(config.server.port).toBe(9100);
    expect(config.logging.level).toBe('debug');
    expect(config.server.host).toBe('127.0.0.2');
  });

  it('flags override environment variables', () => {
    const config = load({ file, env: { AICLI_PORT: '9100' }, overrides: [{ path: ['server', 'port'], value: '9200', label: '--port' }] });
    expect(config.server.port).toBe(9200);
  });

  it('--config wins over AICLI_CONFIG_FILE', () => {
    const other = yamlFile('server:\n  port: 9300\n');
    expect(load({ file: other, env: { AICLI_CONFIG_FILE: file } }).server.port).toBe(9300);
  });

  it('generic AICLI__ variables reach any key, with list and boolean coercion', () => {
    const config = load({
      env: {
        AICLI__SERVER__CORS__ENABLED: 'yes',
        AICLI__SERVER__CORS__ALLOWED_ORIGINS: 'https://a.example, https://b.example',
        AICLI__AGENT__ARGS: '["--model", "sonnet"]',
        AICLI__WEB_INTERFACE__WEBSOCKET__PING_INTERVAL: '45s',
      },
    });
    expect(config.server.cors.enabled).toBe(true);
    expect(config.server.cors.allowed_origins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.agent.args).toEqual(['--model', 'sonnet']);
    expect(config.web_interface.websocket.ping_interval).toBe(45_000);
  });

  it('an empty environment variable is ignored rather than read as an empty value', () => {
    expect(load({ env: { AICLI_PORT: '' } }).server.port).toBe(8080);
  });

  it('an empty file is an empty mapping', () => {
    expect(load({ file: yamlFile('') }).server.port).toBe(8080);
  });
});

describe('durations and sizes in files', () => {
  it('decodes every duration and size key', () => {
    const file = yamlFile(
      [
        'server:',
        '  max_body_size: 512KiB',
        '  shutdown_timeout: 1m30s',
        '  cors:',
        '    max_age: 1h',
        'agent:',
        '  start_timeout: 500ms',
        '  turn_timeout: 20m',
        '  stall_timeout: 90s',
        '  kill_grace: 2s',
        'web_interface:',
        '  websocket:',
        '    ping_interval: 15s',
        '    pong_timeout: 5s',
      ].join('\n'),
    );
    const config = load({ file });
    expect(config.server.max_body_size).toBe(524_288);
    expect(config.server.shutdown_timeout).toBe(90_000);
    expect(config.server.cors.max_age).toBe(3_600_000);
    expect(config.agent).toMatchObject({ start_timeout: 500, turn_timeout: 1_200_000, stall_timeout: 90_000, kill_grace: 2_000 });
    expect(config.web_interface.websocket).toMatchObject({ ping_interval: 15_000, pong_timeout: 5_000 });
  });
});

describe('bad input names the source, the key and what was expected', () => {
  it('a missing file', () => {
    expect(failure({ file: join(dir, 'absent.yaml') })).toBe(`${join(dir, 'absent.yaml')}: cannot read config file: no such file`);
  });

  it('malformed YAML, with its position', () => {
    const file = yamlFile('server:\n  port: [8080\n');
    expect(failure({ file })).toMatch(new RegExp(`^${file}: line \\d+, column \\d+: invalid YAML: `));
  });

  it('a duplicated key', () => {
    const file = yamlFile('server:\n  port: 1\n  port: 2\n');
    expect(failure({ file })).toBe(`${file}: line 3, column 3: invalid YAML: Map keys must be unique`);
  });

  it('a tenant budget listed twice, or a negative limit', () => {
    const file = yamlFile('budgets:\n  tenants:\n    - { tenant: acme, max_usd_per_day: 5 }\n    - { tenant: acme, max_live_sessions: 2 }\n');
    expect(failure({ file })).toBe(`${file}: budgets.tenants[1].tenant: duplicate budget of tenant "acme"`);
    expect(failure({ file: yamlFile('budgets:\n  default:\n    max_usd_per_month: -1\n') })).toMatch(/budgets\.default\.max_usd_per_month: expected a number .*-1/);
  });

  it('a top level that is not a mapping', () => {
    const file = yamlFile('- server\n');
    expect(failure({ file })).toBe(`${file}: expected a mapping of keys at the top level, got a list`);
  });

  it('an unknown key, with a suggestion', () => {
    const file = yamlFile('session_pool:\n  max_sise: 10\n');
    expect(failure({ file })).toBe(`${file}: session_pool.max_sise: unknown key (did you mean max_size?)`);
  });

  it('an unknown section, listing the known ones', () => {
    const file = yamlFile('telemetry:\n  enabled: true\n');
    expect(failure({ file })).toBe(
      `${file}: telemetry: unknown key; expected one of advanced_features, server, store, agent, auth, security, approvals, logging, session_pool, error_recovery, web_interface, performance, webhooks, budgets`,
    );
  });

  it('a wrong type', () => {
    const file = yamlFile('session_pool:\n  min_size: ten\n');
    expect(failure({ file })).toBe(`${file}: session_pool.min_size: expected an integer from 0 to 100000, got "ten"`);
  });

  it('a bad rate limit names the key and the file', () => {
    const file = yamlFile('security:\n  rate_limits:\n    ws_send:\n      per_address: { rate: -1, burst: 0 }\n      per_caller: { rate: 1, burst: 1 }\n');
    expect(failure({ file }).split('\n').sort()).toEqual([
      `${file}: security.rate_limits.ws_send.per_address.burst: expected an integer from 1 to 1000000, got 0`,
      `${file}: security.rate_limits.ws_send.per_address.rate: expected a number from 0 to 1000000, got -1`,
      `${file}: security.rate_limits.ws_send.per_caller: unknown key; expected one of per_principal, per_address`,
    ]);
  });

  it('an out-of-range ratio', () => {
    const file = yamlFile('session_pool:\n  auto_scaling:\n    scale_up_threshold: 1.5\n');
    expect(failure({ file })).toBe(`${file}: session_pool.auto_scaling.scale_up_threshold: expected a number from 0 to 1, got 1.5`);
  });

  it('a duration without a unit', () => {
    const file = yamlFile('web_interface:\n  websocket:\n    ping_interval: 30\n');
    expect(failure({ file })).toBe(
      `${file}: web_interface.websocket.ping_interval: expected a duration such as 500ms, 30s, 5m, 1h or 1h30m, got 30`,
    );
  });

  it('a duration in words', () => {
    const file = yamlFile('web_interface:\n  websocket:\n    pong_timeout: 10 seconds\n');
    expect(failure({ file })).toBe(
      `${file}: web_interface.websocket.pong_timeout: expected a duration such as 500ms, 30s, 5m, 1h or 1h30m, got "10 seconds"`,
    );
  });

  it('a duration below its minimum', () => {
    const file = yamlFile('web_interface:\n  websocket:\n    ping_interval: 10ms\n');
    expect(failure({ file })).toBe(`${file}: web_interface.websocket.ping_interval: expected a value from 1s to 1h, got "10ms"`);
  });

  it('a value outside an enumeration', () => {
    const file = yamlFile('logging:\n  level: loud\n');
    expect(failure({ file })).toBe(`${file}: logging.level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"`);
  });

  it('an empty value', () => {
    const file = yamlFile('server:\n  host:\n');
    expect(failure({ file })).toBe(`${file}: server.host: expected a string, got nothing (null)`);
  });

  it('min_size above max_size', () => {
    const file = yamlFile('session_pool:\n  min_size: 20\n  max_size: 10\n');
    expect(failure({ file })).toBe(`${file}: session_pool.min_size: must not exceed session_pool.max_size (20 > 10)`);
  });

  it('thresholds in the wrong order', () => {
    const file = yamlFile('session_pool:\n  auto_scaling:\n    scale_up_threshold: 0.3\n    scale_down_threshold: 0.8\n');
    expect(failure({ file })).toBe(`${file}: session_pool.auto_scaling.scale_down_threshold: must be below scale_up_threshold (0.8 >= 0.3)`);
  });

  it('TLS enabled without its files', () => {
    const file = yamlFile('server:\n  tls:\n    enabled: true\n    key_file: /nonexistent/key.pem\n');
    expect(failure({ file })).toBe(
      [
        `${file}: server.tls.cert_file: a file path is required (required when server.tls.enabled is true)`,
        `${file}: server.tls.key_file: cannot read file "/nonexistent/key.pem" (ENOENT) (required when server.tls.enabled is true)`,
      ].join('\n'),
    );
  });

  it('auth enabled with a short secret', () => {
    const file = yamlFile('auth:\n  enabled: true\n  jwt:\n    secret: short\n');
    expect(failure({ file })).toBe(`${file}: auth.jwt.secret: must be at least 32 bytes, got 5 (generate one with "openssl rand -base64 48")`);
  });

  it('a malformed api key entry, pointing into the list', () => {
    const file = yamlFile('auth:\n  api_keys:\n    - id: ci\n      key_sha256: abc\n      role: root\n      tenant: t1\n');
    expect(failure({ file })).toBe(
      [
        `${file}: auth.api_keys[0].key_sha256: expected text matching ^[0-9a-f]{64}$, got "abc"`,
        `${file}: auth.api_keys[0].role: expected one of admin, operator, user, viewer, got "root"`,
      ].join('\n'),
    );
  });

  it('reports every problem at once', () => {
    const file = yamlFile('server:\n  port: -1\nlogging:\n  level: 3\n');
    expect(failure({ file }).split('\n')).toHaveLength(2);
  });

  it('a bad environment variable names the variable', () => {
    expect(failure({ env: { AICLI_PORT: 'http' } })).toBe('environment variable AICLI_PORT: server.port: expected an integer from 0 to 65535, got "http"');
  });

  it('a generic environment variable for an unknown key names the variable', () => {
    expect(failure({ env: { AICLI__SERVR__PORT: '1' } })).toBe('environment variable AICLI__SERVR__PORT: servr: unknown key (did you mean server?)');
  });

  it('a bad flag names the flag', () => {
    expect(failure({ overrides: [{ path: ['server', 'port'], value: '70000', label: '--port' }] })).toBe(
      '--port: server.port: expected an integer from 0 to 65535, got 70000',
    );
  });

  it('a value overridden by a later source is attributed to that source', () => {
    const file = yamlFile('server:\n  port: 8081\n');
    expect(failure({ file, env: { AICLI_PORT: 'x' } })).toBe('environment variable AICLI_PORT: server.port: expected an integer from 0 to 65535, got "x"');
  });
});

describe('two sources for one key', () => {
  it('a named variable and its AICLI__ form that disagree are an error naming both', () => {
    const loaded = loadConfig({ env: { AICLI_PORT: '81', AICLI__SERVER__PORT: '80' } });
    expect(loaded.isErr()).toBe(true);
    expect(formatConfigError(loaded._unsafeUnwrapErr())).toBe(
      'environment variable AICLI_PORT: server.port: 81 disagrees with 80 from environment variable AICLI__SERVER__PORT (give the key one value)',
    );
  });

  it('holds for every alias pair, and for two spellings of one generic variable', () => {
    expect(failure({ env: { AICLI_STORE_URL: 'memory:', AICLI__STORE__URL: 'sqlite:./x.db' } })).toBe(
      'environment variable AICLI_STORE_URL: store.url: "memory:" disagrees with "sqlite:./x.db" from environment variable AICLI__STORE__URL (give the key one value)',
    );
    expect(failure({ env: { AICLI_ADVANCED_FEATURES: 'true', AICLI__ADVANCED_FEATURES: 'false' } })).toContain('environment variable AICLI_ADVANCED_FEATURES: advanced_features: true disagrees with false');
    expect(failure({ env: { AICLI_HOST: '0.0.0.0', AICLI__SERVER__HOST: '::' } })).toContain('AICLI_HOST: server.host:');
    expect(failure({ env: { AICLI_LOG_LEVEL: 'info', AICLI__LOGGING__LEVEL: 'debug' } })).toContain('AICLI_LOG_LEVEL: logging.level:');
    expect(failure({ env: { AICLI__SESSION_POOL__MIN_SIZE: '1', AICLI__session_pool__min_size: '2' } })).toContain(
      'session_pool.min_size: 1 disagrees with 2 from environment variable AICLI__session_pool__min_size',
    );
  });

  it('a flag and its --set form that disagree are an error naming both flags', () => {
    const overrides = [
      { path: ['server', 'port'], value: '81', label: '--port' },
      { path: ['server', 'port'], value: '80', label: '--set server.port' },
    ];
    expect(failure({ overrides })).toBe('--port: server.port: 81 disagrees with 80 from --set server.port (give the key one value)');
  });

  it('a key and a section that holds it, set by two sources, are an error', () => {
    expect(failure({ env: { AICLI_PORT: '81', AICLI__SERVER: '{port: 80}' } })).toContain('environment variable AICLI_PORT: server.port:');
  });

  it('agreeing values are fine, compared after conversion', () => {
    expect(load({ env: { AICLI_PORT: '80', AICLI__SERVER__PORT: '080' } }).server.port).toBe(80);
    expect(load({ env: { AICLI_ADVANCED_FEATURES: 'yes', AICLI__ADVANCED_FEATURES: 'true' } }).advanced_features).toBe(true);
  });

  it('sources of different precedence are not a conflict: the flag still wins over the variable', () => {
    expect(load({ env: { AICLI_PORT: '81' }, overrides: [{ path: ['server', 'port'], value: '80', label: '--port' }] }).server.port).toBe(80);
  });
});

describe('store.url', () => {
  it('is validated with the configuration, naming the key and the source', () => {
    expect(failure({ overrides: [{ path: ['store', 'url'], value: 'foo:bar', label: '--store' }] })).toBe(
      '--store: store.url: unknown scheme "foo:" (accepted: sqlite:, memory:, esdb://, esdb+discover://)',
    );
    expect(failure({ env: { AICLI_STORE_URL: 'sqlite:./x.db?durability=sometimes' } })).toBe(
      'environment variable AICLI_STORE_URL: store.url: durability must be "full" or "normal", got "sometimes" (accepted: sqlite:, memory:, esdb://, esdb+discover://)',
    );
    expect(failure({ env: { AICLI_STORE_URL: 'esdb://' } })).toMatch(/^environment variable AICLI_STORE_URL: store\.url: /);
  });

  it('accepts every documented form', () => {
    for (const url of ['memory:', 'sqlite:./data/events.db', 'sqlite::memory:', 'sqlite:/tmp/x.db?durability=normal', 'esdb://127.0.0.1:2113?tls=false']) {
      expect(load({ env: { AICLI_STORE_URL: url } }).store.url).toBe(url);
    }
  });
});
