/**
 * Which fields of each stored event's `data` are what people said or what the agent did, and so are encrypted at
 * rest (`security.encryption`): message text, agent output (assistant text, deltas, tool use and tool results),
 * turn results and error text, fault details (they quote the agent's stderr and stdout), the system prompt, and
 * snapshots (their context holds queued messages and the system prompt). One decision per stored event type, made
 * here beside the event definitions: the `Record` type and `sensitive-fields.test.ts` fail when a type is added
 * without one. Everything else — ids, types, timestamps, states, roles, token counts, costs, options other than the
 * system prompt — stays in clear, because projections, queries and metrics read it without the key.
 *
 * A field is a path into `data`: `text`, or `options.systemPrompt` for a nested one.
 */
import { API_KEY_EVENT } from './api-keys.events.js';
import { BREAKER_PERSISTED_NAME } from './circuit-breaker.events.js';
import { POOL_PERSISTED_NAME } from './pool.events.js';
import { SESSION_OUTCOME_NAME, SESSION_PERSISTED_NAME } from './session.events.js';
import { RUNTIME_EVENT_TYPE } from './streams.js';
import { WEBHOOK_EVENT } from './webhook.events.js';

type ValueOf<T> = T[keyof T];

/** Every event type the system stores. */
export type StoredEventType =
  | ValueOf<typeof SESSION_PERSISTED_NAME>
  | ValueOf<typeof SESSION_OUTCOME_NAME>
  | ValueOf<typeof BREAKER_PERSISTED_NAME>
  | ValueOf<typeof POOL_PERSISTED_NAME>
  | ValueOf<typeof RUNTIME_EVENT_TYPE>
  | ValueOf<typeof API_KEY_EVENT>
  | ValueOf<typeof WEBHOOK_EVENT>;

/** Paths (dot-separated) of the fields of `data` encrypted at rest, per stored event type; `[]` = nothing. */
export const SENSITIVE_FIELDS = {
  // session-<id>
  SessionProvisioned: ['options.systemPrompt'],
  AgentSpawned: [],
  AgentInitialized: [],
  MessageAccepted: ['text'],
  AgentOutputReceived: ['content'],
  TurnCompleted: ['result', 'errors'],
  InterruptRequested: [],
  AgentFaulted: ['detail'],
  RecoverySucceeded: [],
  RecoveryFailed: ['detail'],
  SessionHibernated: [],
  SessionWoken: [],
  ParticipantJoined: [],
  ParticipantLeft: [],
  ParticipantRoleChanged: [],
  // `terminated by <user id>` or a fixed reason: ids, like the rest of the metadata.
  SessionTerminated: [],
  TimerElapsed: [],
  TurnAborted: [],
  // What the agent wanted to run (a command, a file's content) is what it did: encrypted like its output.
  ToolApprovalRequested: ['input', 'suggestions', 'reason'],
  ToolApprovalDecided: ['input', 'updatedInput', 'message'],
  ToolApprovalExpired: [],
  ToolApprovalCancelled: [],
  // breaker-<name>: durations and error kinds only.
  BreakerCreated: [],
  CallSucceeded: [],
  CallFailed: [],
  ProbeStarted: [],
  ProbeAbandoned: [],
  BreakerReset: [],
  BreakerIsolated: [],
  BreakerReconfigured: [],
  // pool-<name>: recovery details repeat the session's fault detail.
  PoolCreated: [],
  PoolScaledUp: [],
  PoolScaledDown: [],
  SessionEvicted: [],
  RecoveryReported: ['detail'],
  LeakDetected: [],
  PoolReconfigured: [],
  PoolDraining: [],
  PoolStopped: [],
  // snapshot-<stream>: the whole persisted machine snapshot (its context holds queued message text).
  SnapshotTaken: ['snapshot'],
  // apikeys: key hashes, names and roles, which authentication must read.
  ApiKeyCreated: [],
  ApiKeyRevoked: [],
  // webhook-<endpoint id>: payloads hold ids, kinds and numbers only (never text), and error kinds.
  WebhookDeliveryRequested: [],
  WebhookAttemptFailed: [],
  WebhookDelivered: [],
  WebhookAbandoned: [],
} as const satisfies Record<StoredEventType, readonly string[]>;
