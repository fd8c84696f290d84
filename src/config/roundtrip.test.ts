import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import YAML from 'yaml';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, toRawConfig, type ConfigValues } from './index.js';
import { LOG_LEVELS, SERVER_ROLES } from './schema.js';

const dir = mkdtempSync(join(tmpdir(), 'aicli-roundtrip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = fc.string({ maxLength: 24 });
const nonEmpty = fc.string({ minLength: 1, maxLength: 24 });
const ms = (min: number, max: number) => fc.integer({ min, max });
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);

/** Any configuration the rules accept: ordered pool sizes and thresholds, TLS off, consistent auth and CORS. */
const validConfig: fc.Arbitrary<ConfigValues> = fc
  .record({
    sizes: fc.tuple(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 100_000 })),
    thresholds: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })).filter(([a, b]) => a !== b),
    credentials: fc.boolean(),
    origins: fc.array(nonEmpty, { maxLength: 3 }),
    apiKeys: fc.uniqueArray(fc.record({ id: nonEmpty, key_sha256: hex64, role: fc.constantFrom(...SERVER_ROLES), tenant: nonEmpty }), {
      maxLength: 3,
      selector: (key) => key.id,
    }),
    authEnabled: fc.boolean(),
    secret: fc.string({ minLength: 32, maxLength: 48 }),
    rest: fc.record({
      advanced_features: fc.boolean(),
      host: nonEmpty,
      port: fc.integer({ min: 0, max: 65_535 }),
      max_body_size: fc.integer({ min: 1, max: 1_073_741_824 }),
      shutdown_timeout: ms(0, 600_000),
      max_age: ms(0, 86_400_000),
      methods: fc.array(nonEmpty, { maxLength: 4 }),
      headers: fc.array(nonEmpty, { maxLength: 4 }),
      url: nonEmpty,
      command: nonEmpty,
      args: fc.array(text, { maxLength: 4 }),
      start_timeout: ms(100, 600_000),
      turn_timeout: ms(1_000, 86_400_000),
      stall_timeout: ms(1_000, 86_400_000),
      kill_grace: ms(0, 60_000),
      issuer: text,
      audience: text,
      level: fc.constantFrom(...LOG_LEVELS),
      scaling: fc.boolean(),
      max_connections: fc.integer({ min: 1, max: 1_000_000 }),
      ping_interval: ms(1_000, 3_600_000),
      pong_timeout: ms(100, 3_600_000),
      memory_pool: fc.boolean(),
      pool_size: fc.integer({ min: 1, max: 1_000_000 }),
      max_goroutines: fc.integer({ min: 1, max: 1_000_000 }),
      leak_detection: fc.boolean(),
      tls_text: fc.tuple(text, text, text, text),
      cors_enabled: fc.boolean(),
    }),
  })
  .map(({ sizes, thresholds, credentials, origins, apiKeys, authEnabled, secret, rest: r }) => ({
    advanced_features: r.advanced_features,
    server: {
      host: r.host,
      port: r.port,
      max_body_size: r.max_body_size,
      shutdown_timeout: r.shutdown_timeout,
      tls: { enabled: false, cert_file: r.tls_text[0], key_file: r.tls_text[1], ca_file: r.tls_text[2], passphrase: r.tls_text[3] },
      cors: {
        enabled: r.cors_enabled,
        allowed_origins: credentials ? origins.filter((origin) => origin !== '*') : origins,
        allowed_methods: r.methods,
        allowed_headers: r.headers,
        allow_credentials: credentials,
        max_age: r.max_age,
      },
    },
    store: { url: r.url },
    agent: { command: r.command, args: r.args, start_timeout: r.start_timeout, turn_timeout: r.turn_timeout, stall_timeout: r.stall_timeout, kill_grace: r.kill_grace },
    auth: { enabled: authEnabled, jwt: { secret, issuer: r.issuer, audience: r.audience }, api_keys: apiKeys },
    logging: { level: r.level },
    session_pool: {
      min_size: Math.min(...sizes),
      max_size: Math.max(...sizes, 1),
      auto_scaling: { enabled: r.scaling, scale_up_threshold: Math.max(...thresholds), scale_down_threshold: Math.min(...thresholds) },
    },
    web_interface: { websocket: { max_connections: r.max_connections, ping_interval: r.ping_interval, pong_timeout: r.pong_timeout } },
    performance: {
      memory_pool: { enabled: r.memory_pool, pool_size: r.pool_size },
      goroutine_manager: { max_goroutines: r.max_goroutines, leak_detection: r.leak_detection },
    },
  }));

describe('configuration round trip', () => {
  it('any valid configuration written as YAML loads back to the same values', () => {
    let run = 0;
    fc.assert(
      fc.property(validConfig, (values) => {
        const file = join(dir, `config-${run++}.yaml`);
        writeFileSync(file, YAML.stringify(toRawConfig(values)));
        const loaded = loadConfig({ file });
        expect(loaded.isOk() ? 'ok' : loaded.error).toBe('ok');
        const { source: _source, features: _features, ...decoded } = loaded._unsafeUnwrap().config;
        expect(decoded).toEqual(values);
      }),
      { numRuns: 150 },
    );
  });
});
