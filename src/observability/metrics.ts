/**
 * The Prometheus metrics (prom-client), with the names the product document promises. Gauges are read at scrape
 * time from their sources (the pool's status, the WebSocket hub's counters, the error-recovery projection), so
 * nothing on the hot path updates them; only the response-latency histogram is observed per request.
 *
 * - `aicli_session_pool_size{type}`: `active` (processes serving a session), `warm`, `live`, `target`, `cap`,
 *   `hibernated` and `total` sessions.
 * - `aicli_sessions{state}`: sessions per state, every state of the session machine (0 when none is in it).
 * - `aicli_websocket_connections{state}`: `connected` now, and `closed`/`refused` since start.
 * - `aicli_websocket_dropped_total{reason}`: connections the server closed (slow consumer, pong timeout …), counted
 *   as they are closed, every reason of `WS_DROP_REASON` from 0.
 * - the event counters of `event-counters.ts`, counted from the stored events as they are folded:
 *   `aicli_agent_faults_total{kind}`, `aicli_error_recovery_total{outcome}` (started; attempts succeeded, failed),
 *   `aicli_error_recovery_success_rate` (NaN while none finished), `aicli_turns_total{outcome}`, `aicli_agent_api_retries_total`,
 *   `aicli_circuit_breaker_transitions_total{breaker,from,to}`, `aicli_circuit_breaker_probes_total{breaker,outcome}`.
 * - `aicli_circuit_breaker_state{breaker,state}`: 1 for each breaker's current state.
 * - `aicli_memory_pool_utilization`: the agents' measured resident memory ÷ the memory budget (0–1+).
 * - `aicli_response_latency_histogram{method,route,status}`: HTTP response latency in seconds.
 * - `aicli_internal_errors_total{transport}`: exceptions caught in an HTTP (`http`) or WebSocket (`ws`) handler; each
 *   was answered with `internal_error` and logged with its request or connection id, and the server kept serving.
 * - `aicli_rate_limited_total{transport,scope}`: requests (`rest`), new WebSocket connections (`ws_connect`) and
 *   `send` frames (`ws_send`) refused by a rate limit, per caller (`principal`) or per remote address (`address`).
 * - `aicli_audit_dropped_total{reason}`: audit events lost: the writer's queue was full (`overflow`) or the store
 *   refused their append (`store_failed`). Requests never wait for the audit log; this says what it missed.
 * - `aicli_webhook_deliveries_total{endpoint,outcome}`: webhook attempts that were `delivered` (2xx) or `failed`, and
 *   deliveries `abandoned` (every attempt failed, or the endpoint's queue overflowed); `endpoint` is the configured id.
 * - `aicli_webhook_delivery_seconds{endpoint}`: duration of each webhook attempt, in seconds.
 * - `aicli_tool_approvals_requested_total`: tool permission requests the agents made (docs/approvals.md).
 * - `aicli_tool_approvals_decided_total{outcome,decided_by}`: their answers, `allow` or `deny`, by a `policy` rule, a
 *   `human`, the `timeout`, or the `session` (cancelled: interrupt, terminate, a dead process, a turn that ended).
 * - `aicli_tool_approval_decision_seconds{decided_by}`: from a request awaiting a human to its answer.
 * - `aicli_tenant_cost_usd_total{tenant}`, `aicli_tenant_tokens_total{tenant,kind=input|output}`: what each tenant's
 *   turns cost since the log began; `aicli_tenant_live_sessions{tenant}`: its sessions not hibernated, failed or
 *   terminated. Tenants configured in `budgets.tenants` have their own label (at 0 from the start), all others share
 *   `other`, so the label stays bounded.
 * - `aicli_websocket_frames_received_total{type}`, `aicli_websocket_frames_sent_total{type}` (`frame-counts.ts`).
 * - the store's append metrics (`store-metrics.ts`), registered here when the server's store is measured.
 * - the process metrics of prom-client, prefixed `aicli_` (`aicli_process_open_fds`, `aicli_process_max_fds` …), but
 *   not its `aicli_nodejs_active_{handles,requests,resources}_total` gauges (named like counters; the same counts by
 *   `type` remain). `promtool check metrics` then warns only about the product's own name
 *   `aicli_response_latency_histogram` (it names its type), kept because dashboards and alerts depend on it.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BREAKER_STATES } from '../../machines/circuit-breaker.machine.js';
import { SESSION_STATES } from '../../machines/session.states.js';
import type { ProjectedEvent } from '../../projections/event.js';
import { WS_DROP_REASON } from '../../projections/websocket-status.js';
import { registerEventCounters } from './event-counters.js';
import { FrameCounts } from './frame-counts.js';

/** What the pool reports (a subset of `PoolStatus`). */
export interface PoolMetricsSource {
  readonly target: number;
  readonly cap: number;
  readonly processes: { readonly live: number; readonly warm: number; readonly inUse: number };
  readonly sessions: { readonly total: number; readonly hibernated: number; readonly byState: Readonly<Record<string, number | undefined>> };
  readonly memory: { readonly budgetBytes: number; readonly measuredBytes: number };
}

/** What the WebSocket hub reports. */
export interface WebSocketMetricsSource {
  readonly connections: { readonly open: number; readonly closed: number; readonly refused: number };
}

/** What the error-recovery projection reports (each breaker's current state). */
export interface RecoveryMetricsSource {
  readonly breakers: Readonly<Record<string, { readonly state: string }>>;
}

/** One tenant label's figures (see `aicli_tenant_*`). */
export interface TenantMetricsSource {
  readonly costUsd: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly liveSessions: number;
}

/** Where the scrape-time gauges read from; each is optional, and a source not running yet returns `undefined`. */
export interface MetricsSources {
  readonly pool?: () => PoolMetricsSource | undefined;
  readonly websocket?: () => WebSocketMetricsSource | undefined;
  readonly recovery?: () => RecoveryMetricsSource | undefined;
  /** The audit writer's lost events by reason. */
  readonly auditDropped?: () => Readonly<Record<string, number>>;
  /** Per-tenant totals by bounded label. */
  readonly tenants?: () => ReadonlyMap<string, TenantMetricsSource>;
}

/** The server's metrics. */
export interface Metrics {
  readonly registry: Registry;
  /** Records one HTTP response. */
  observeResponse(method: string, route: string, status: number, seconds: number): void;
  /** Counts one exception caught in a handler of `transport` (a bug: it was answered with `internal_error`). */
  recordInternalError(transport: 'http' | 'ws'): void;
  /** Counts one stored event folded live (faults, recoveries, turns, breaker transitions and probes). */
  countEvent(event: ProjectedEvent): void;
  /** Counts one WebSocket connection the server closed, by reason. */
  recordWebSocketDrop(reason: string): void;
  /** WebSocket frames in and out by type (the hub counts them). */
  readonly frames: FrameCounts;
  /** Counts one refusal by a rate limit of `transport` (`rest`, `ws_connect`, `ws_send`) and `scope` (`principal`, `address`). */
  recordRateLimited(transport: RateLimitedTransport, scope: RateLimitedScope): void;
  /** Counts one webhook attempt (`delivered`/`failed`, with its duration) or one delivery `abandoned` (`seconds` null). */
  recordWebhookDelivery(endpoint: string, outcome: WebhookDeliveryOutcome, seconds: number | null): void;
  /** Counts one tool permission request of an agent. */
  recordApprovalRequested(): void;
  /** Counts one answer to a tool permission request; `seconds` from pending to answer when it was pending. */
  recordApprovalDecided(outcome: ApprovalOutcome, decidedBy: ApprovalDecidedBy, seconds: number | null): void;
  /** The exposition text and its content type. */
  render(): Promise<{ readonly body: string; readonly contentType: string }>;
}

/** Kinds of traffic a rate limit refuses (the `transport` label of `aicli_rate_limited_total`). */
export const RATE_LIMITED_TRANSPORTS = ['rest', 'ws_connect', 'ws_send'] as const;
export type RateLimitedTransport = (typeof RATE_LIMITED_TRANSPORTS)[number];
/** Whose limit refused it (the `scope` label). */
export const RATE_LIMITED_SCOPES = ['principal', 'address'] as const;
export type RateLimitedScope = (typeof RATE_LIMITED_SCOPES)[number];

/** Outcomes of `aicli_webhook_deliveries_total`. */
export type WebhookDeliveryOutcome = 'delivered' | 'failed' | 'abandoned';

/** prom-client's default gauges whose `_total` suffix promises a counter; left out of the registry. */
const PROM_CLIENT_GAUGES_NAMED_TOTAL = ['aicli_nodejs_active_handles_total', 'aicli_nodejs_active_requests_total', 'aicli_nodejs_active_resources_total'] as const;

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** prom-client's process and Node.js metrics (default on). */
  readonly defaultMetrics?: boolean;
  /** Names of the circuit breakers, whose series start at 0. */
  readonly breakers?: readonly string[];
  /** The WebSocket frame types received and sent (commonest first), whose series start at 0. */
  readonly frameTypes?: { readonly received: readonly string[]; readonly sent: readonly string[] };
}

/** Answers to tool permission requests (the `outcome` label). */
export const APPROVAL_OUTCOMES = ['allow', 'deny'] as const;
export type ApprovalOutcome = (typeof APPROVAL_OUTCOMES)[number];
/** Who answered (the `decided_by` label); a timeout and the session itself only ever deny. */
export const APPROVAL_DECIDERS = ['policy', 'human', 'timeout', 'session'] as const;
export type ApprovalDecidedBy = (typeof APPROVAL_DECIDERS)[number];
const APPROVAL_LABELS: readonly (readonly [ApprovalOutcome, ApprovalDecidedBy])[] = [
  ['allow', 'policy'],
  ['deny', 'policy'],
  ['allow', 'human'],
  ['deny', 'human'],
  ['deny', 'timeout'],
  ['deny', 'session'],
];

/** Builds the registry with every metric reading from `sources`. */
export function createMetrics(sources: MetricsSources, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: 'aicli_' });
    // Gauges named like counters (promtool warns); the same figures by type stay: `sum(aicli_nodejs_active_handles)`.
    for (const name of PROM_CLIENT_GAUGES_NAMED_TOTAL) registry.removeSingleMetric(name);
  }
  const registers = [registry];
  const countEvent = registerEventCounters(registry, options.breakers ?? []);
  const frames = new FrameCounts(options.frameTypes?.received ?? [], options.frameTypes?.sent ?? []);
  frames.register(registry);

  new Gauge({
    name: 'aicli_session_pool_size',
    help: 'Session pool sizes: active (serving a session), warm, live processes, target, cap; hibernated and total sessions.',
    labelNames: ['type'],
    registers,
    collect() {
      const pool = sources.pool?.();
      if (pool === undefined) return;
      const sizes = {
        active: pool.processes.inUse,
        warm: pool.processes.warm,
        live: pool.processes.live,
        target: pool.target,
        cap: pool.cap,
        hibernated: pool.sessions.hibernated,
        total: pool.sessions.total,
      };
      for (const [type, value] of Object.entries(sizes)) this.set({ type }, value);
    },
  });
  new Gauge({
    name: 'aicli_sessions',
    help: 'Sessions by state.',
    labelNames: ['state'],
    registers,
    collect() {
      const byState = sources.pool?.()?.sessions.byState;
      if (byState === undefined) return;
      // Every state, so one whose count falls to 0 reads 0 instead of vanishing.
      for (const state of SESSION_STATES) this.set({ state }, byState[state] ?? 0);
    },
  });
  new Gauge({
    name: 'aicli_memory_pool_utilization',
    help: 'Measured resident memory of the agent processes divided by the memory budget.',
    registers,
    collect() {
      const memory = sources.pool?.()?.memory;
      if (memory !== undefined) this.set(memory.budgetBytes === 0 ? 0 : memory.measuredBytes / memory.budgetBytes);
    },
  });
  new Gauge({
    name: 'aicli_websocket_connections',
    help: 'WebSocket connections: connected now; closed and refused since start.',
    labelNames: ['state'],
    registers,
    collect() {
      const ws = sources.websocket?.();
      if (ws === undefined) return;
      this.set({ state: 'connected' }, ws.connections.open);
      this.set({ state: 'closed' }, ws.connections.closed);
      this.set({ state: 'refused' }, ws.connections.refused);
    },
  });
  const dropped = new Counter({ name: 'aicli_websocket_dropped_total', help: 'WebSocket connections closed by the server, by reason.', labelNames: ['reason'], registers });
  for (const reason of Object.values(WS_DROP_REASON)) dropped.inc({ reason }, 0);
  new Gauge({
    name: 'aicli_circuit_breaker_state',
    help: 'Circuit breaker states: 1 for the current state of each breaker, 0 for the others.',
    labelNames: ['breaker', 'state'],
    registers,
    collect() {
      const breakers = sources.recovery?.()?.breakers ?? {};
      // A known breaker not created yet (nothing has gone through it) is closed.
      const states = new Map<string, string>([...(options.breakers ?? []).map((name) => [name, 'closed'] as const), ...Object.entries(breakers).map(([name, { state }]) => [name, state] as const)]);
      for (const [breaker, state] of states) {
        for (const candidate of BREAKER_STATES) this.set({ breaker, state: candidate }, candidate === state ? 1 : 0);
      }
    },
  });
  new Counter({
    name: 'aicli_audit_dropped_total',
    help: 'Audit events lost, by reason (overflow: the queue was full; store_failed: the append failed).',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      // Zeros included, so an alert on the series has something to watch from the start.
      for (const [reason, total] of Object.entries(sources.auditDropped?.() ?? {})) this.inc({ reason }, total);
    },
  });
  new Counter({
    name: 'aicli_tenant_cost_usd_total',
    help: 'USD the turns of each tenant cost, from their results (configured tenants by name, the others as other).',
    labelNames: ['tenant'],
    registers,
    collect() {
      this.reset();
      for (const [tenant, totals] of sources.tenants?.() ?? []) this.inc({ tenant }, totals.costUsd);
    },
  });
  new Counter({
    name: 'aicli_tenant_tokens_total',
    help: 'Tokens of the turns of each tenant, by kind (input, output).',
    labelNames: ['tenant', 'kind'],
    registers,
    collect() {
      this.reset();
      for (const [tenant, totals] of sources.tenants?.() ?? []) {
        this.inc({ tenant, kind: 'input' }, totals.inputTokens);
        this.inc({ tenant, kind: 'output' }, totals.outputTokens);
      }
    },
  });
  new Gauge({
    name: 'aicli_tenant_live_sessions',
    help: 'Sessions of each tenant that are not hibernated, failed or terminated.',
    labelNames: ['tenant'],
    registers,
    collect() {
      this.reset();
      for (const [tenant, totals] of sources.tenants?.() ?? []) this.set({ tenant }, totals.liveSessions);
    },
  });
  const latency = new Histogram({
    name: 'aicli_response_latency_histogram',
    help: 'HTTP response latency in seconds, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });

  const internalErrors = new Counter({
    name: 'aicli_internal_errors_total',
    help: 'Exceptions caught in an HTTP or WebSocket handler and answered with internal_error, by transport.',
    labelNames: ['transport'],
    registers,
  });
  internalErrors.inc({ transport: 'http' }, 0);
  internalErrors.inc({ transport: 'ws' }, 0);

  const rateLimited = new Counter({
    name: 'aicli_rate_limited_total',
    help: 'Requests, WebSocket connections and send frames refused by a rate limit, by transport and scope (principal or address).',
    labelNames: ['transport', 'scope'],
    registers,
  });
  for (const transport of RATE_LIMITED_TRANSPORTS) for (const scope of RATE_LIMITED_SCOPES) rateLimited.inc({ transport, scope }, 0);

  const webhookDeliveries = new Counter({
    name: 'aicli_webhook_deliveries_total',
    help: 'Webhook attempts delivered (2xx) or failed, and deliveries abandoned, by endpoint id.',
    labelNames: ['endpoint', 'outcome'],
    registers,
  });
  const webhookSeconds = new Histogram({
    name: 'aicli_webhook_delivery_seconds',
    help: 'Duration of each webhook delivery attempt in seconds, by endpoint id.',
    labelNames: ['endpoint'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });

  const approvalsRequested = new Counter({ name: 'aicli_tool_approvals_requested_total', help: 'Tool permission requests the agents made.', registers });
  approvalsRequested.inc(0);
  const approvalsDecided = new Counter({
    name: 'aicli_tool_approvals_decided_total',
    help: 'Answers to tool permission requests, by outcome (allow, deny) and decider (policy, human, timeout, session).',
    labelNames: ['outcome', 'decided_by'],
    registers,
  });
  for (const [outcome, decided_by] of APPROVAL_LABELS) approvalsDecided.inc({ outcome, decided_by }, 0);
  const decisionSeconds = new Histogram({
    name: 'aicli_tool_approval_decision_seconds',
    help: 'Time from a tool approval awaiting a human to its answer, by decider (human, timeout, session).',
    labelNames: ['decided_by'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers,
  });
  for (const decided_by of ['human', 'timeout', 'session'] as const) decisionSeconds.zero({ decided_by });

  return {
    registry,
    recordWebhookDelivery: (endpoint, outcome, seconds) => {
      webhookDeliveries.inc({ endpoint, outcome });
      if (seconds !== null) webhookSeconds.observe({ endpoint }, seconds);
    },
    recordApprovalRequested: () => approvalsRequested.inc(),
    recordApprovalDecided: (outcome, decidedBy, seconds) => {
      approvalsDecided.inc({ outcome, decided_by: decidedBy });
      if (seconds !== null) decisionSeconds.observe({ decided_by: decidedBy }, seconds);
    },
    observeResponse: (method, route, status, seconds) => latency.observe({ method, route, status: String(status) }, seconds),
    recordInternalError: (transport) => internalErrors.inc({ transport }),
    countEvent,
    frames,
    recordWebSocketDrop: (reason) => dropped.inc({ reason }),
    recordRateLimited: (transport, scope) => rateLimited.inc({ transport, scope }),
    render: async () => ({ body: await registry.metrics(), contentType: registry.contentType }),
  };
}
