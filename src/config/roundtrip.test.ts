import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import YAML from 'yaml';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, toRawConfig, type ConfigValues } from './index.js';
import { LOG_LEVELS, PLACEMENT_STRATEGY_NAMES, POLICY_PERMISSION_MODES, SERVER_ROLES, WEBHOOK_KIND_NAMES } from './schema.js';

const dir = mkdtempSync(join(tmpdir(), 'aicli-roundtrip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = fc.string({ maxLength: 24 });
const nonEmpty = fc.string({ minLength: 1, maxLength: 24 });
const ms = (min: number, max: number) => fc.integer({ min, max });
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const ratio = fc.double({ min: 0, max: 1, noNaN: true });
/** Two durations, the first not above the second (`base ≤ max` style pairs). */
const orderedMs = (min: number, max: number) => fc.tuple(ms(min, max), ms(min, max)).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
const retryClass = fc
  .record({ max_attempts: fc.integer({ min: 0, max: 100 }), delays: orderedMs(0, 600_000) })
  .map(({ max_attempts, delays }) => ({ max_attempts, base_delay: delays[0], max_delay: delays[1] }));

/** The keys added with the session pool, generated within their ranges and cross-key rules. */
const poolKeys = fc.record({
  agent: fc.record({
    interrupt_grace: ms(100, 600_000),
    approval_timeout: ms(1_000, 86_400_000),
    partial_messages: fc.boolean(),
    max_queued_messages: fc.integer({ min: 0, max: 10_000 }),
    max_processes: fc.integer({ min: 0, max: 100_000 }),
    memory_budget: fc.integer({ min: 0, max: 2 ** 40 }),
    process_memory_estimate: fc.integer({ min: 1_048_576, max: 2 ** 34 }),
    memory_check_interval: ms(100, 3_600_000),
    data_dir: nonEmpty,
  }),
  pool: fc.record({
    placement: fc.constantFrom(...PLACEMENT_STRATEGY_NAMES),
    affinity: fc.boolean(),
    max_participants: fc.integer({ min: 1, max: 10_000 }),
    idle_timeout: ms(0, 86_400_000),
    max_lifetime: ms(0, 86_400_000),
  }),
  scaling: fc.record({
    check_interval: ms(100, 3_600_000),
    cooldown: ms(0, 3_600_000),
    scale_up_step: fc.integer({ min: 1, max: 10_000 }),
    scale_down_step: fc.integer({ min: 1, max: 10_000 }),
  }),
  recovery: fc.record({ max_consecutive_failures: fc.integer({ min: 0, max: 1_000 }), recovery_timeout: ms(100, 3_600_000) }),
  breaker: fc
    .record({
      consecutive_failure_threshold: fc.integer({ min: 1, max: 10_000 }),
      failure_rate_threshold: ratio,
      minimum_calls: fc.integer({ min: 1, max: 1_000_000 }),
      window: ms(1_000, 3_600_000),
      slow_call_duration: ms(0, 600_000),
      open: orderedMs(1, 3_600_000),
      backoff_multiplier: fc.double({ min: 1, max: 100, noNaN: true }),
      half_open_max_probes: fc.integer({ min: 1, max: 1_000 }),
      half_open_successes_to_close: fc.integer({ min: 1, max: 1_000 }),
    })
    .map(({ open, ...rest }) => ({ ...rest, open_duration: open[0], max_open_duration: open[1] })),
  retry: fc.record({
    budget_ratio: ratio,
    budget_min_per_second: fc.double({ min: 0, max: 10_000, noNaN: true }),
    budget_window: ms(1_000, 3_600_000),
    spawn_failure: retryClass,
    timeout: retryClass,
    rate_limit: retryClass,
    crash: retryClass,
  }),
  leak_check_interval: ms(100, 3_600_000),
});

/** The rate limits of `security.rate_limits`. */
const rateLimit = fc.record({ rate: fc.double({ min: 0, max: 1_000_000, noNaN: true }), burst: fc.integer({ min: 1, max: 1_000_000 }) });
const rateLimits = fc.record({ per_principal: rateLimit, per_address: rateLimit });
const rateLimitKeys = fc.record({
  rate_limits: fc.record({ enabled: fc.boolean(), max_keys: fc.integer({ min: 1, max: 10_000_000 }), rest: rateLimits, ws_connect: rateLimits, ws_send: rateLimits }),
});
/** `security.session_policy`: per-role modes, tools and working-directory roots. */
const rolePolicy = fc.record({
  permission_modes: fc.uniqueArray(fc.constantFrom(...POLICY_PERMISSION_MODES)),
  allowed_tools: fc.array(fc.constantFrom('*', 'Read', 'Bash', 'Bash(git:*)', 'mcp__x__y'), { maxLength: 4 }),
  cwd_roots: fc.array(fc.constantFrom('', 'projects', 'scratch/a-1', 'x.y/z_2'), { maxLength: 3 }),
});
const sessionPolicyKeys = fc.record({ session_policy: fc.record({ bypass_permissions: fc.boolean(), admin: rolePolicy, operator: rolePolicy, user: rolePolicy }) });
/** `budgets`: the default limits and a few tenants, some keys left out. */
const budgetLimit = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1_000_000, noNaN: true }));
const budgetCount = fc.integer({ min: 0, max: 1_000_000 });
const budgetKeys = fc.record({
  default: fc.record({ max_usd_per_day: budgetLimit, max_usd_per_month: budgetLimit, max_tokens_per_day: budgetCount, max_tokens_per_month: budgetCount, max_live_sessions: budgetCount }),
  tenants: fc.uniqueArray(
    fc.record(
      { tenant: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/), max_usd_per_day: budgetLimit, max_usd_per_month: budgetLimit, max_tokens_per_day: budgetCount, max_tokens_per_month: budgetCount, max_live_sessions: budgetCount },
      { requiredKeys: ['tenant'] },
    ),
    { maxLength: 3, selector: (budget) => budget.tenant },
  ),
});
const securityKeys = fc.record({ rate_limits: rateLimitKeys.map((keys) => keys.rate_limits), session_policy: sessionPolicyKeys.map((keys) => keys.session_policy) });

/** `webhooks`: endpoints with unique ids, an http(s) URL and one of secret / secret_env, and an ordered back-off. */
const webhookEndpoint = fc
  .record({
    id: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,15}$/),
    url: fc.constantFrom('http://127.0.0.1:9000/hook', 'https://hooks.example.com/aicli?x=1'),
    secret: fc.oneof(fc.record({ secret: fc.string({ minLength: 32, maxLength: 40 }) }), fc.record({ secret_env: nonEmpty })),
    events: fc.option(fc.uniqueArray(fc.constantFrom(...WEBHOOK_KIND_NAMES)), { nil: undefined }),
    tenants: fc.option(fc.uniqueArray(nonEmpty, { maxLength: 3 }), { nil: undefined }),
  })
  .map(({ id, url, secret, events, tenants }) => ({ id, url, ...secret, ...(events === undefined ? {} : { events }), ...(tenants === undefined ? {} : { tenants }) }));
const webhookKeys = fc
  .record({
    endpoints: fc.uniqueArray(webhookEndpoint, { maxLength: 3, selector: (endpoint) => endpoint.id }),
    timeout: ms(100, 300_000),
    max_attempts: fc.integer({ min: 1, max: 100 }),
    delays: orderedMs(10, 3_600_000),
    queue_size: fc.integer({ min: 1, max: 1_000_000 }),
    concurrency: fc.integer({ min: 1, max: 1_000 }),
  })
  .map(({ delays, ...rest }) => ({ ...rest, base_delay: delays[0], max_delay: delays[1] }));

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
    jwtLifetime: ms(1_000, 2_592_000_000),
    loopback: fc.constantFrom('127.0.0.1', '::1', 'localhost', '127.8.9.10'),
    rest: fc.record({
      advanced_features: fc.boolean(),
      host: nonEmpty,
      port: fc.integer({ min: 0, max: 65_535 }),
      max_body_size: fc.integer({ min: 1, max: 1_073_741_824 }),
      shutdown_timeout: ms(0, 600_000),
      max_age: ms(0, 86_400_000),
      methods: fc.array(nonEmpty, { maxLength: 4 }),
      headers: fc.array(nonEmpty, { maxLength: 4 }),
      // A URL some adapter accepts (store.url is validated with the config).
      url: fc.oneof(fc.constant('memory:'), fc.constant('esdb://127.0.0.1:2113?tls=false'), fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_./-]{0,23}$/).map((path) => `sqlite:${path}`)),
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
      hello_timeout: ms(100, 3_600_000),
      max_unauthenticated: fc.integer({ min: 1, max: 1_000_000 }),
      max_unauthenticated_per_address: fc.integer({ min: 1, max: 1_000_000 }),
      max_buffered: fc.integer({ min: 1024, max: 1_073_741_824 }),
      memory_pool: fc.boolean(),
      pool_size: fc.integer({ min: 1, max: 1_000_000 }),
      max_goroutines: fc.integer({ min: 1, max: 1_000_000 }),
      leak_detection: fc.boolean(),
      tls_text: fc.tuple(text, text, text, text),
      cors_enabled: fc.boolean(),
    }),
    pool: poolKeys,
    security: securityKeys,
    encryption: fc.record({ enabled: fc.boolean(), key_file: text, key_env: nonEmpty }),
    webhooks: webhookKeys,
    approvals: fc.record({
      enabled: fc.boolean(),
      default_action: fc.constantFrom('allow' as const, 'deny' as const, 'ask' as const),
      rules: fc.array(
        fc.record(
          {
            name: nonEmpty,
            tenant: nonEmpty,
            tool: fc.constantFrom('Read', 'Bash', '*', 'mcp__*'),
            path: fc.constantFrom('{cwd}/**', '!{cwd}/**', '/tmp/*'),
            command: fc.constantFrom('git status*', '!rm *'),
            action: fc.constantFrom('allow' as const, 'deny' as const, 'ask' as const),
          },
          { requiredKeys: ['tool', 'action'] },
        ),
        { maxLength: 3 },
      ),
    }),
    budgets: budgetKeys,
  })
  .map(({ sizes, thresholds, credentials, origins, apiKeys, authEnabled, secret, jwtLifetime, loopback, rest: r, pool: p, security, encryption, webhooks, approvals, budgets }) => ({
    advanced_features: r.advanced_features,
    server: {
      // An open server binds loopback only (a rule).
      host: authEnabled ? r.host : loopback,
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
    agent: { command: r.command, args: r.args, start_timeout: r.start_timeout, turn_timeout: r.turn_timeout, stall_timeout: r.stall_timeout, kill_grace: r.kill_grace, ...p.agent },
    auth: {
      enabled: authEnabled,
      jwt: { algorithm: 'HS256' as const, secret, public_key_file: '', jwks_file: '', issuer: r.issuer, audience: r.audience, max_lifetime: jwtLifetime },
      api_keys: apiKeys,
    },
    security: { ...security, encryption },
    approvals,
    budgets,
    logging: { level: r.level },
    session_pool: {
      min_size: Math.min(...sizes),
      max_size: Math.max(...sizes, 1),
      ...p.pool,
      auto_scaling: { enabled: r.scaling, scale_up_threshold: Math.max(...thresholds), scale_down_threshold: Math.min(...thresholds), ...p.scaling },
    },
    error_recovery: { ...p.recovery, circuit_breaker: p.breaker, retry: p.retry },
    web_interface: {
      websocket: {
        max_connections: r.max_connections,
        ping_interval: r.ping_interval,
        pong_timeout: r.pong_timeout,
        hello_timeout: r.hello_timeout,
        max_unauthenticated: r.max_unauthenticated,
        max_unauthenticated_per_address: r.max_unauthenticated_per_address,
        max_buffered: r.max_buffered,
      },
    },
    performance: {
      memory_pool: { enabled: r.memory_pool, pool_size: r.pool_size },
      goroutine_manager: { max_goroutines: r.max_goroutines, leak_detection: r.leak_detection, leak_check_interval: p.leak_check_interval },
    },
    webhooks,
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
