/**
 * The actor kinds this server hosts: sessions (`session-<id>`, first event `SessionProvisioned`), circuit
 * breakers (`breaker-<name>`, first event `BreakerCreated`) and session pools (`pool-<name>`, first event
 * `PoolCreated`), and the lookup from a stream name to its kind that operator tools use.
 */
import { err, ok, type Result } from 'neverthrow';
import {
  type AdjustWarmParams,
  type AnswerApprovalParams,
  type InterruptAgentParams,
  type ResumeAgentParams,
  type SendToAgentParams,
  type SpawnAgentParams,
  type StopAgentParams,
  BREAKER_EVENT_FROM_PERSISTED,
  BREAKER_PERSISTED_NAME,
  circuitBreakerMachine,
  POOL_EVENT_FROM_PERSISTED,
  POOL_PERSISTED_NAME,
  poolMachine,
  RUNTIME_EVENT_TYPE,
  SESSION_EVENT_FROM_PERSISTED,
  SESSION_OUTCOME_NAME,
  SESSION_PERSISTED_NAME,
  SESSION_RECORDED_ACTIONS,
  sessionMachine,
  sessionOutcomes,
  STREAM_PREFIX,
} from '../../machines/index.js';
import { contextDeadline, implementsAll, NO_OUTCOMES, type ActorKind, type OutcomeRecording } from './actor-kind.js';
import type { EffectHandler } from './effects.js';
import { unknownActorKind, type RuntimeError } from './errors.js';

type Session = typeof sessionMachine;

/**
 * Implementations of the session machine's side effects (see `machines/README.md`, "Actions and params"). Its
 * `abortTurns` is no effect: it is recorded as `TurnAborted` events ({@link SESSION_OUTCOMES}).
 */
export type SessionEffects = {
  readonly spawnAgent: EffectHandler<SpawnAgentParams, Session>;
  readonly resumeAgent: EffectHandler<ResumeAgentParams, Session>;
  readonly sendToAgent: EffectHandler<SendToAgentParams, Session>;
  readonly interruptAgent: EffectHandler<InterruptAgentParams, Session>;
  readonly answerApproval: EffectHandler<AnswerApprovalParams, Session>;
  readonly stopAgent: EffectHandler<StopAgentParams, Session>;
  readonly killAgent: EffectHandler<StopAgentParams, Session>;
};

/** The circuit breaker has no side effects: its handler table is empty. */
export type BreakerEffects = Record<never, never>;

/** Implementations of the pool machine's one side effect: bring the pool's live processes from `from` to `to`. */
export type PoolEffects = {
  readonly adjustWarm: EffectHandler<AdjustWarmParams, typeof poolMachine>;
};

const SESSION_EFFECT_SET = {
  spawnAgent: true,
  resumeAgent: true,
  sendToAgent: true,
  interruptAgent: true,
  answerApproval: true,
  stopAgent: true,
  killAgent: true,
} as const satisfies Record<keyof SessionEffects, true>;

/** The session machine's side-effect action names (exactly the keys of {@link SessionEffects}). */
export const SESSION_EFFECT_NAMES = Object.keys(SESSION_EFFECT_SET) as (keyof SessionEffects)[];

const POOL_EFFECT_SET = { adjustWarm: true } as const satisfies Record<keyof PoolEffects, true>;

/** The pool machine's side-effect action names (exactly the keys of {@link PoolEffects}). */
export const POOL_EFFECT_NAMES = Object.keys(POOL_EFFECT_SET) as (keyof PoolEffects)[];

/** A session step's aborted turns, stored as one `TurnAborted` each in the same append as the event. */
export const SESSION_OUTCOMES: OutcomeRecording<Session> = {
  actions: SESSION_RECORDED_ACTIONS,
  types: Object.values(SESSION_OUTCOME_NAME),
  derive: (actions, event) => sessionOutcomes(actions, event.at),
};

/** Sessions: one Claude Code process each, stream `session-<sessionId>`. */
export const SESSION_ACTOR: ActorKind<Session, SessionEffects> = {
  name: 'session',
  machine: sessionMachine,
  streamPrefix: STREAM_PREFIX.session,
  createdType: RUNTIME_EVENT_TYPE.sessionProvisioned,
  effectNames: SESSION_EFFECT_NAMES,
  implementsEffects: implementsAll<SessionEffects>(SESSION_EFFECT_NAMES),
  persistedName: SESSION_PERSISTED_NAME,
  eventFromPersisted: SESSION_EVENT_FROM_PERSISTED,
  idOf: (input) => input.sessionId,
  deadlineOf: contextDeadline,
  outcomes: SESSION_OUTCOMES,
};

/** Circuit breakers, stream `breaker-<name>`. */
export const BREAKER_ACTOR: ActorKind<typeof circuitBreakerMachine, BreakerEffects> = {
  name: 'breaker',
  machine: circuitBreakerMachine,
  streamPrefix: STREAM_PREFIX.breaker,
  createdType: RUNTIME_EVENT_TYPE.breakerCreated,
  effectNames: [],
  implementsEffects: implementsAll<BreakerEffects>([]),
  persistedName: BREAKER_PERSISTED_NAME,
  eventFromPersisted: BREAKER_EVENT_FROM_PERSISTED,
  idOf: (input) => input.name,
  deadlineOf: contextDeadline,
  outcomes: NO_OUTCOMES,
};

/** Session pools, stream `pool-<name>`: every scaling decision and pool fact, replayable. */
export const POOL_ACTOR: ActorKind<typeof poolMachine, PoolEffects> = {
  name: 'pool',
  machine: poolMachine,
  streamPrefix: STREAM_PREFIX.pool,
  createdType: RUNTIME_EVENT_TYPE.poolCreated,
  effectNames: POOL_EFFECT_NAMES,
  implementsEffects: implementsAll<PoolEffects>(POOL_EFFECT_NAMES),
  persistedName: POOL_PERSISTED_NAME,
  eventFromPersisted: POOL_EVENT_FROM_PERSISTED,
  idOf: (input) => input.name,
  deadlineOf: contextDeadline,
  outcomes: NO_OUTCOMES,
};

/** Every kind the runtime hosts. */
export const ACTOR_KINDS: readonly ActorKind[] = [SESSION_ACTOR, BREAKER_ACTOR, POOL_ACTOR];

/** The kind whose prefix `stream` starts with, or `UnknownActorKind`. */
export function actorKindOf(stream: string): Result<ActorKind, RuntimeError> {
  const kind = ACTOR_KINDS.find((candidate) => stream.startsWith(candidate.streamPrefix) && stream.length > candidate.streamPrefix.length);
  return kind === undefined ? err(unknownActorKind(stream, ACTOR_KINDS.map((known) => `${known.streamPrefix}…`))) : ok(kind);
}
