/**
 * The configuration schema: one TypeBox definition that ajv validates (raw YAML values, durations and sizes as
 * text) and TypeBox decodes into the typed {@link Config} (durations and sizes as numbers). Every key carries a
 * description; the configuration reference (docs/configuration.md) is checked against it by a test.
 */
import { Type, type StaticDecode, type StaticEncode } from '@sinclair/typebox';
import { formatByteSize, formatDuration, parseByteSize, parseDuration } from './units.js';

/** Ajv keywords that bound a duration or size string by its parsed value. */
export const RANGE_KEYWORDS = { minimumValue: 'minimumValue', maximumValue: 'maximumValue' } as const;

interface RangeOptions {
  description: string;
  /** Smallest allowed value in ms (durations) or bytes (sizes). */
  min?: number;
  /** Largest allowed value in ms (durations) or bytes (sizes). */
  max?: number;
}

function rangeAnnotations({ min, max }: RangeOptions): Record<string, number> {
  return {
    ...(min === undefined ? {} : { [RANGE_KEYWORDS.minimumValue]: min }),
    ...(max === undefined ? {} : { [RANGE_KEYWORDS.maximumValue]: max }),
  };
}

/** A duration written as text (`30s`) and decoded to milliseconds. */
function Duration(options: RangeOptions) {
  return Type.Transform(Type.String({ format: 'duration', description: options.description, ...rangeAnnotations(options) }))
    .Decode((text) => parseDuration(text)._unsafeUnwrap())
    .Encode((ms) => formatDuration(ms));
}

/** A byte size written as text (`1MiB`) and decoded to bytes. */
function ByteSize(options: RangeOptions) {
  return Type.Transform(Type.String({ format: 'byte-size', description: options.description, ...rangeAnnotations(options) }))
    .Decode((text) => parseByteSize(text)._unsafeUnwrap())
    .Encode((bytes) => formatByteSize(bytes));
}

const Section = <T extends Parameters<typeof Type.Object>[0]>(description: string, properties: T) =>
  Type.Object(properties, { additionalProperties: false, description });

const Ratio = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });
const Text = (description: string) => Type.String({ description });
const Flag = (description: string) => Type.Boolean({ description });

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const SERVER_ROLES = ['admin', 'operator', 'user', 'viewer'] as const;
/** JWT signing algorithms the server verifies: one shared secret (HS256) or a public key (RS256, ES256). */
export const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
/** Fewest bytes of an `auth.jwt.secret` (the HS256 key size). */
export const MIN_JWT_SECRET_BYTES = 32;

/** Placement strategies of the session pool (kept equal to `PLACEMENT_STRATEGIES` of `src/pool/sessions/placement.ts` by a test). */
export const PLACEMENT_STRATEGY_NAMES = ['least_loaded', 'round_robin', 'weighted'] as const;

/** Permission modes a role may be allowed; `bypassPermissions` is not among them: only `security.session_policy.bypass_permissions` grants it, to admins. */
export const POLICY_PERMISSION_MODES = ['default', 'acceptEdits', 'plan'] as const;

/** A string restricted to the given values, typed as their union. */
const OneOf = <T extends readonly string[]>(values: T, description: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description });

/** Retry limits of one error class. */
const RetryClass = (description: string) =>
  Section(description, {
    max_attempts: Type.Integer({ minimum: 0, maximum: 100, description: 'Retries after the first attempt.' }),
    base_delay: Duration({ description: 'Back-off before the first retry; doubles on each further one (with jitter).', min: 0 }),
    max_delay: Duration({ description: 'Cap on the back-off.', min: 0 }),
  });

/** What a tool approval rule does: `allow` or `deny` without a human, or `ask` one. */
export const APPROVAL_ACTIONS = ['allow', 'deny', 'ask'] as const;

/** One tool approval rule of `approvals.rules` (docs/approvals.md). */
const ApprovalRuleConfig = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Named in every decision the rule makes; default `<tool>:<action>`.' })),
    tenant: Type.Optional(Type.String({ minLength: 1, description: 'Only for this tenant (tried before the rules for every tenant); absent: every tenant.' })),
    tool: Type.String({ minLength: 1, maxLength: 256, description: 'Tool name, or a glob (`mcp__*`, `*`).' }),
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'Glob the input\'s file path must match (`{cwd}` is the session\'s working directory; a leading `!` negates).' })),
    command: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'Glob the input\'s command must match (`*` matches anything; a leading `!` negates).' })),
    action: OneOf(APPROVAL_ACTIONS, 'allow, deny or ask.'),
  },
  { additionalProperties: false },
);

const ApiKey = Type.Object(
  {
    id: Type.String({ minLength: 1, description: 'Name of the key, shown in the audit log.' }),
    key_sha256: Type.String({
      pattern: '^[0-9a-f]{64}$',
      description: 'Lower-case hex SHA-256 of the key; the key itself is never stored in config.',
    }),
    role: OneOf(SERVER_ROLES, 'Server role granted to callers presenting the key.'),
    tenant: Type.String({ minLength: 1, description: 'Tenant the key acts for.' }),
  },
  { additionalProperties: false },
);

/** One token-bucket limit: a sustained rate and a burst. */
const RateLimit = (description: string) =>
  Section(description, {
    rate: Type.Number({ minimum: 0, maximum: 1_000_000, description: 'Sustained rate allowed, per second; 0 turns this limit off.' }),
    burst: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'How many may come at once after a quiet period (the bucket\'s size).' }),
  });

/** The limits of one kind of traffic, per caller and per remote address. */
const RateLimits = (description: string, what: string) =>
  Section(description, {
    per_principal: RateLimit(`${what} per authenticated caller (API key id or JWT subject, within its tenant).`),
    per_address: RateLimit(`${what} per remote address (a proxy's address, behind one).`),
  });

/** What callers of one server role may ask a session for. */
const RolePolicy = (role: string) =>
  Section(`What a caller with server role \`${role}\` may ask a session for.`, {
    permission_modes: Type.Array(OneOf(POLICY_PERMISSION_MODES, 'A permission mode.'), {
      uniqueItems: true,
      description: 'Permission modes the role may ask for (`bypassPermissions` never: see `bypass_permissions`).',
    }),
    allowed_tools: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
      description: 'Tools the role may name in `allowedTools` (`Bash` also covers `Bash(git:*)`); `*` for any. Without `*`, a session must name its tools.',
    }),
    cwd_roots: Type.Array(Type.String({ pattern: '^$|^(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9._-]{0,127}(/[A-Za-z0-9][A-Za-z0-9._-]{0,127}){0,15}$' }), {
      description: 'Working directories (relative to the tenant\'s work root) the role may use, each with what lies under it; `""` is the whole work root.',
    }),
  });

/** The environment variable that holds the store keyring unless `security.encryption.key_env` names another. */
export const DEFAULT_ENCRYPTION_KEY_ENV = 'AICLI_ENCRYPTION_KEYS';

/** `security.encryption`: encryption at rest of what people and agents said (see src/store/encryption/). */
const EncryptionSection = Section('Encryption at rest of message text, agent output and tool input/output in stored events (AES-256-GCM).', {
  enabled: Flag(
    'Encrypt new events; when false they are written in clear, and events encrypted before are still decrypted with the keys found.',
  ),
  key_file: Text(
    'Keyring file: lines `id:base64key` (32 bytes each), the last one seals new events; empty uses agent.data_dir/keys/store.keys, generated (0600) on first start.',
  ),
  key_env: Type.String({
    minLength: 1,
    description: 'Environment variable that, when set, holds the keyring instead of the file (entries separated by newlines or commas).',
  }),
});

/** Kinds of webhook notice an endpoint can ask for (kept equal to `WEBHOOK_KINDS` of machines/webhook.events.ts by a test). */
export const WEBHOOK_KIND_NAMES = ['approval.requested', 'turn.completed', 'turn.failed', 'budget.exhausted', 'session.failed'] as const;

/** One webhook endpoint (`webhooks.endpoints[]`). */
const WebhookEndpoint = Type.Object(
  {
    id: Type.String({
      pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
      description: 'Names the endpoint in its delivery stream (`webhook-<id>`), its circuit breaker, logs and metric labels.',
    }),
    url: Type.String({ minLength: 1, description: 'Where deliveries are POSTed: an http:// or https:// URL.' }),
    secret: Type.Optional(Type.String({ description: 'HMAC-SHA256 signing secret, at least 32 bytes (or secret_env).' })),
    secret_env: Type.Optional(Type.String({ minLength: 1, description: 'Environment variable holding the secret instead of secret.' })),
    events: Type.Optional(
      Type.Array(OneOf(WEBHOOK_KIND_NAMES, 'A webhook kind.'), { uniqueItems: true, description: 'Kinds delivered; absent or empty: every kind.' }),
    ),
    tenants: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true, description: 'Tenants whose facts are delivered; absent or empty: every tenant.' }),
    ),
  },
  { additionalProperties: false },
);

/** One limit of a tenant's budget: a non-negative number, 0 for no limit. */
const BudgetLimit = (description: string, integer = false) =>
  (integer ? Type.Integer : Type.Number)({ minimum: 0, maximum: 1_000_000_000_000, description: `${description} 0 means no limit.` });

/** The limits of a budget (per tenant, or the default), as written in YAML. */
const budgetLimitKeys = () => ({
  max_usd_per_day: BudgetLimit('Most USD the tenant\'s turns may cost in one UTC day.'),
  max_usd_per_month: BudgetLimit('Most USD the tenant\'s turns may cost in one UTC month.'),
  max_tokens_per_day: BudgetLimit('Most input plus output tokens in one UTC day.', true),
  max_tokens_per_month: BudgetLimit('Most input plus output tokens in one UTC month.', true),
  max_live_sessions: BudgetLimit('Most sessions of the tenant that are not hibernated, failed or terminated.', true),
});

/** One tenant's budget: its name and the limits that differ from `budgets.default`. */
const TenantBudget = Type.Object(
  {
    tenant: Type.String({ pattern: '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$', description: 'The tenant.' }),
    max_usd_per_day: Type.Optional(budgetLimitKeys().max_usd_per_day),
    max_usd_per_month: Type.Optional(budgetLimitKeys().max_usd_per_month),
    max_tokens_per_day: Type.Optional(budgetLimitKeys().max_tokens_per_day),
    max_tokens_per_month: Type.Optional(budgetLimitKeys().max_tokens_per_month),
    max_live_sessions: Type.Optional(budgetLimitKeys().max_live_sessions),
  },
  { additionalProperties: false },
);

/** `webhooks`: signed notices of stored facts to configured URLs (see docs/webhooks.md). */
const WebhooksSection = Section('Signed HTTP notices of approvals, turns, budgets and failed sessions (docs/webhooks.md).', {
  endpoints: Type.Array(WebhookEndpoint, {
    description: 'Endpoints: `id`, `url`, `secret` or `secret_env`, optional `events` and `tenants` filters; none turns webhooks off.',
  }),
  timeout: Duration({ description: 'Deadline of one delivery attempt (connect, answer and body).', min: 100, max: 300_000 }),
  max_attempts: Type.Integer({ minimum: 1, maximum: 100, description: 'Attempts per delivery, the first included, before it is abandoned.' }),
  base_delay: Duration({ description: 'Back-off after the first failed attempt; doubles on each further one (with jitter).', min: 10 }),
  max_delay: Duration({ description: 'Cap on the back-off between attempts.', min: 10 }),
  queue_size: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    description: 'Deliveries an endpoint holds (waiting, retrying or in flight); beyond it the oldest waiting one is abandoned.',
  }),
  concurrency: Type.Integer({ minimum: 1, maximum: 1_000, description: 'Attempts in flight at once per endpoint.' }),
});

/** `budgets`: spending and session limits per tenant (see docs/budgets.md). */
const BudgetsSection = Section('Per-tenant budgets: USD and tokens per UTC day and month, live sessions; enforced before a session is created or woken and before each turn.', {
  default: Section('Limits of every tenant not listed in `tenants` (and of the keys a listed tenant leaves out).', budgetLimitKeys()),
  tenants: Type.Array(TenantBudget, {
    description: 'Tenants with their own limits (keys left out take `default`\'s); they also get their own label in the per-tenant metrics, all others share `other`.',
  }),
});

/** The whole configuration file. Every key is required after merging over `config/default.yaml`. */
export const ConfigSchema = Type.Object(
  {
    advanced_features: Flag(
      'Turns on the advanced profile: auto-scaling, the memory pool and leak detection take effect only when true.',
    ),
    server: Section('HTTP and WebSocket listener.', {
      host: Type.String({ minLength: 1, description: 'Interface to listen on; 0.0.0.0 for all IPv4 interfaces.' }),
      port: Type.Integer({ minimum: 0, maximum: 65_535, description: 'TCP port; 0 picks a free port.' }),
      max_body_size: ByteSize({ description: 'Largest accepted request body; larger ones get 413.', min: 1, max: 1_073_741_824 }),
      shutdown_timeout: Duration({ description: 'How long a graceful shutdown waits for in-flight requests.', min: 0, max: 600_000 }),
      tls: Section('TLS for HTTPS and WSS.', {
        enabled: Flag('Serve HTTPS/WSS instead of HTTP/WS.'),
        cert_file: Text('PEM certificate chain file; required when enabled.'),
        key_file: Text('PEM private key file; required when enabled.'),
        ca_file: Text('Optional PEM CA bundle for client certificates.'),
        passphrase: Text('Optional passphrase of the private key.'),
      }),
      cors: Section('Cross-origin requests from browsers.', {
        enabled: Flag('Answer preflights and add CORS headers.'),
        allowed_origins: Type.Array(Type.String({ minLength: 1 }), {
          description: 'Exact origins allowed (`https://app.example.com`), or `*` for any.',
        }),
        allowed_methods: Type.Array(Type.String({ minLength: 1 }), { description: 'Methods allowed in preflights.' }),
        allowed_headers: Type.Array(Type.String({ minLength: 1 }), { description: 'Request headers allowed in preflights.' }),
        allow_credentials: Flag('Send Access-Control-Allow-Credentials (not allowed together with `*`).'),
        max_age: Duration({ description: 'How long browsers may cache a preflight answer.', min: 0, max: 86_400_000 }),
      }),
    }),
    store: Section('The event store.', {
      url: Type.String({
        minLength: 1,
        description: 'Where events live: `sqlite:PATH` (embedded default), `memory:` or `esdb://host:2113?tls=false`.',
      }),
    }),
    agent: Section('The Claude Code CLI processes.', {
      command: Type.String({ minLength: 1, description: 'Executable to run (looked up on PATH).' }),
      args: Type.Array(Type.String(), { description: 'Extra arguments added to every agent process.' }),
      start_timeout: Duration({ description: 'How long a process may take to print its init line.', min: 100, max: 600_000 }),
      turn_timeout: Duration({ description: 'Longest a single turn may run before it is interrupted.', min: 1_000 }),
      stall_timeout: Duration({ description: 'Longest silence from a busy process before it is treated as hung.', min: 1_000 }),
      kill_grace: Duration({ description: 'Time between SIGTERM and SIGKILL when stopping a process.', min: 0, max: 60_000 }),
      interrupt_grace: Duration({
        description: 'How long an interrupted turn may take to report its result before the process counts as hung.',
        min: 100,
        max: 600_000,
      }),
      approval_timeout: Duration({
        description: 'How long a tool approval waits for an owner or editor before the tool is denied (docs/approvals.md).',
        min: 1_000,
        max: 86_400_000,
      }),
      partial_messages: Flag(
        'Ask the CLI for partial messages (--include-partial-messages), so clients see text as it is generated; each delta is stored.',
      ),
      max_queued_messages: Type.Integer({
        minimum: 0,
        maximum: 10_000,
        description: 'Messages a session holds while its agent is busy or starting; more are refused.',
      }),
      max_processes: Type.Integer({
        minimum: 0,
        maximum: 100_000,
        description: 'Most agent processes alive at once; 0 derives the cap from memory_budget.',
      }),
      memory_budget: ByteSize({
        description: 'Resident memory all agent processes together may use; 0B means half of system memory.',
        min: 0,
      }),
      process_memory_estimate: ByteSize({
        description: 'Resident memory assumed per agent process until real measurements replace it.',
        min: 1_048_576,
      }),
      memory_check_interval: Duration({
        description: 'How often the agents\' resident memory is measured against memory_budget.',
        min: 100,
        max: 3_600_000,
      }),
      data_dir: Type.String({
        minLength: 1,
        description: "Directory for per-tenant agent config and working directories, the PID registry and the server's lock (relative paths from the working directory); one server per directory.",
      }),
    }),
    auth: Section('Authentication of API callers.', {
      enabled: Flag('Require a JWT or an API key on every API call except health; with no jwt key and no api_keys configured, the server generates a secret and an admin key in agent.data_dir/auth/ on first start.'),
      jwt: Section('JSON Web Tokens (bearer tokens).', {
        algorithm: OneOf(JWT_ALGORITHMS, 'The one signing algorithm accepted: HS256 (auth.jwt.secret), RS256 or ES256 (a public key file or a JWKS file).'),
        secret: Text('Shared HMAC secret for HS256, at least 32 bytes; empty accepts no JWTs.'),
        public_key_file: Text('PEM public key (SPKI, `BEGIN PUBLIC KEY`) that verifies RS256/ES256 tokens.'),
        jwks_file: Text('JSON Web Key Set file whose keys verify RS256/ES256 tokens (instead of public_key_file).'),
        issuer: Text('Required `iss` claim; empty to accept any.'),
        audience: Text('Required `aud` claim; empty to accept any.'),
        max_lifetime: Duration({
          description: 'Longest validity a token may carry: tokens without `exp`, or whose exp − iat (or exp − now) exceeds this, are refused.',
          min: 1_000,
          max: 2_592_000_000,
        }),
      }),
      api_keys: Type.Array(ApiKey, { description: 'Static API keys, sent as `X-API-Key`.' }),
    }),
    security: Section('Protections against abusive clients and what each role may ask of a session.', {
      rate_limits: Section('Token-bucket rate limits; a refusal is 429 `rate_limited` with `retry-after`, or a WebSocket error frame.', {
        enabled: Flag('Apply the rate limits below.'),
        max_keys: Type.Integer({
          minimum: 1,
          maximum: 10_000_000,
          description: 'Buckets each limit keeps (one per caller or address); beyond this, new keys share one overflow bucket until idle buckets are evicted.',
        }),
        rest: RateLimits('REST requests (health and metrics are not limited per address).', 'Requests'),
        ws_connect: RateLimits('New WebSocket connections (upgrade requests).', 'Connections'),
        ws_send: RateLimits('WebSocket `send` frames.', '`send` frames'),
      }),
      session_policy: Section('What each server role may ask a session for (checked when a session is created or joined by sharing).', {
        bypass_permissions: Flag('Let admins (and only admins) ask for `permissionMode: bypassPermissions`. With auth off every caller is an admin.'),
        admin: RolePolicy('admin'),
        operator: RolePolicy('operator'),
        user: RolePolicy('user'),
      }),
      encryption: EncryptionSection,
    }),
    approvals: Section('Tool approvals: the agent asks before using a tool, rules decide or a participant does (docs/approvals.md).', {
      enabled: Flag('Start the agent with `--permission-prompt-tool stdio`, so tool uses that need permission are decided here; off, they are denied as the permission mode says.'),
      default_action: OneOf(APPROVAL_ACTIONS, 'What happens to a request no rule matches: allow, deny or ask.'),
      rules: Type.Array(ApprovalRuleConfig, { description: 'Rules tried after the session\'s own, first match wins: those naming the session\'s tenant, then those for every tenant.' }),
    }),
    logging: Section('Logs (pino, JSON lines on stdout).', {
      level: OneOf(LOG_LEVELS, 'Lowest level written.'),
    }),
    session_pool: Section('The pool of Claude Code sessions.', {
      min_size: Type.Integer({ minimum: 0, maximum: 100_000, description: 'Sessions kept warm at all times.' }),
      max_size: Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description: 'Most sessions with a live agent process (warm or in use); others stay hibernated.',
      }),
      placement: OneOf(PLACEMENT_STRATEGY_NAMES, 'How a shared request picks among open sessions: least_loaded, round_robin or weighted.'),
      affinity: Flag('Send a user back to the session they last used when the request allows sharing.'),
      max_participants: Type.Integer({
        minimum: 1,
        maximum: 10_000,
        description: 'Most users a shared session is placed with (its capacity for placement).',
      }),
      idle_timeout: Duration({ description: 'Quiet time after which a session hibernates (process stopped); 0s never.', min: 0 }),
      max_lifetime: Duration({ description: 'Age after which an idle session\'s process is recycled (hibernated); 0s never.', min: 0 }),
      auto_scaling: Section('Scaling between min_size and max_size on utilisation.', {
        enabled: Flag('Scale automatically (advanced profile only).'),
        scale_up_threshold: Ratio('Utilisation (0–1) at or above which the pool grows.'),
        scale_down_threshold: Ratio('Utilisation (0–1) at or below which the pool shrinks.'),
        check_interval: Duration({ description: 'How often utilisation is sampled.', min: 100, max: 3_600_000 }),
        cooldown: Duration({ description: 'Least time between two utilisation-driven scaling decisions.', min: 0 }),
        scale_up_step: Type.Integer({ minimum: 1, maximum: 10_000, description: 'Processes added per scale-up decision.' }),
        scale_down_step: Type.Integer({ minimum: 1, maximum: 10_000, description: 'Warm processes retired per scale-down decision.' }),
      }),
    }),
    error_recovery: Section('Circuit breakers, retries and recovery of failed agents.', {
      max_consecutive_failures: Type.Integer({
        minimum: 0,
        maximum: 1_000,
        description: 'Faults and failed recoveries in a row a session tolerates; one more marks it failed.',
      }),
      recovery_timeout: Duration({ description: 'How long one recovery attempt (restart with --resume) may take.', min: 100 }),
      circuit_breaker: Section('Defaults of every circuit breaker (agent spawning, the Anthropic API).', {
        consecutive_failure_threshold: Type.Integer({ minimum: 1, maximum: 10_000, description: 'Failures in a row that open a breaker.' }),
        failure_rate_threshold: Ratio('Failure ratio over the window that opens a breaker once minimum_calls is met.'),
        minimum_calls: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Calls the window must hold before the failure rate counts.' }),
        window: Duration({ description: 'Length of the sliding window of call outcomes.', min: 1_000 }),
        slow_call_duration: Duration({ description: 'A call at least this slow counts as a failure; 0s disables.', min: 0 }),
        open_duration: Duration({ description: 'First open period before probes are let through.', min: 1 }),
        max_open_duration: Duration({ description: 'Cap on the open period as it grows on repeated trips.', min: 1 }),
        backoff_multiplier: Type.Number({ minimum: 1, maximum: 100, description: 'Growth of the open period on each repeated trip.' }),
        half_open_max_probes: Type.Integer({ minimum: 1, maximum: 1_000, description: 'Probes admitted at once while half-open.' }),
        half_open_successes_to_close: Type.Integer({ minimum: 1, maximum: 1_000, description: 'Successful probes that close the breaker.' }),
      }),
      retry: Section('Adaptive retries with exponential back-off, jitter and a retry budget.', {
        budget_ratio: Ratio('Retries allowed as a share of first attempts within budget_window.'),
        budget_min_per_second: Type.Number({ minimum: 0, maximum: 10_000, description: 'Retries per second always allowed, whatever the ratio.' }),
        budget_window: Duration({ description: 'Sliding window of the retry budget.', min: 1_000 }),
        spawn_failure: RetryClass('Agent process could not be started.'),
        timeout: RetryClass('Agent did not start or answer in time.'),
        rate_limit: RetryClass('The agent reported the API as rate limited or overloaded.'),
        crash: RetryClass('Agent process died during a recovery.'),
      }),
    }),
    web_interface: Section('Browser-facing interfaces.', {
      websocket: Section('The WebSocket endpoint.', {
        max_connections: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Connections beyond this are refused.' }),
        ping_interval: Duration({ description: 'How often the server pings each client.', min: 1_000, max: 3_600_000 }),
        pong_timeout: Duration({ description: 'How long a client may take to answer a ping before it is closed.', min: 100, max: 3_600_000 }),
        hello_timeout: Duration({ description: 'How long a connection may stay open without a successful hello before it is closed (4001).', min: 100, max: 3_600_000 }),
        max_unauthenticated: Type.Integer({
          minimum: 1,
          maximum: 1_000_000,
          description: 'Connections without credentials that have not said hello yet; beyond this the oldest of them is closed (1013).',
        }),
        max_unauthenticated_per_address: Type.Integer({
          minimum: 1,
          maximum: 1_000_000,
          description: 'The same, per remote address; beyond this the oldest of that address is closed (1013).',
        }),
        max_buffered: ByteSize({
          description: 'Bytes a connection may have waiting in its send buffer; a frame that would pass it closes the connection as a slow consumer (4008).',
          min: 1024,
          max: 1_073_741_824,
        }),
      }),
    }),
    performance: Section('Resource limits.', {
      memory_pool: Section('Reusable buffers for serialising frames.', {
        enabled: Flag('Reuse frame buffers from a pool (advanced profile only).'),
        pool_size: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Buffers kept in the pool.' }),
      }),
      goroutine_manager: Section('Concurrency and leak limits (the name is kept from the product document).', {
        max_goroutines: Type.Integer({
          minimum: 1,
          maximum: 1_000_000,
          description: 'Most concurrent background tasks (agent processes, turns, store flushes) the server runs.',
        }),
        leak_detection: Flag(
          'Compare live processes, handles and actors with what the server believes it owns (advanced profile only).',
        ),
        leak_check_interval: Duration({ description: 'How often leak detection runs.', min: 100, max: 3_600_000 }),
      }),
    }),
    webhooks: WebhooksSection,
    budgets: BudgetsSection,
  },
  { additionalProperties: false },
);

/** The raw configuration as written in YAML: durations and sizes are text. */
export type RawConfig = StaticEncode<typeof ConfigSchema>;
/** The decoded configuration values: durations in milliseconds, sizes in bytes. */
export type ConfigValues = StaticDecode<typeof ConfigSchema>;
