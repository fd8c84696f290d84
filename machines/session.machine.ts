/**
 * The lifecycle of one Claude Code session as a pure XState machine. Time comes from events (`at`);
 * each state that waits on time sets `context.deadline` and acts on `TIMER_ELAPSED` for it (see
 * `SESSION_AWAITS` for what every state waits on). Side effects are the named actions of
 * `session.setup.ts`. States:
 * - `provisioning`: `spawnAgent` was asked for; waits for `AGENT_SPAWNED` (deadline `startTimeout`).
 * - `starting`: the process runs; waits for its init line, `AGENT_READY` (same `startTimeout`).
 * - `ready`: the agent is up and has completed no turn since it (re)started; a queued message is sent
 *   at once, else it waits for one (deadline `idleTimeout` → `hibernated`).
 * - `busy`: a turn is streaming; deadlines `turnTimeout` (→ `interrupting`) and `stallTimeout` (→ stall
 *   fault), whichever is first; `AGENT_OUTPUT` for the turn pushes the stall deadline. Messages queue.
 * - `awaitingApproval`: during a turn the agent asked to use a tool and no policy rule decided it
 *   (`APPROVAL_REQUESTED`); the request is `pendingApproval` until an owner or editor answers it
 *   (`APPROVAL_DECIDED`, the first answer wins) or the deadline `approvalTimeout` denies it; then back to `busy`,
 *   the turn's timeout moved by the time waited. Whatever else makes the session leave (interrupt, terminate,
 *   hibernate, a fault, the turn's own end) cancels the request; every way out answers the agent (`answerApproval`),
 *   and one without an answer is recorded (`closeApproval`). Policy decisions (`APPROVAL_DECIDED` by `policy`) are
 *   taken in `busy` and here without a state change.
 * - `interrupting`: `interruptAgent` was sent (by a participant or the turn timeout); waits for the
 *   turn's result (deadline `interruptTimeout` → hang fault).
 * - `idle`: the agent is up after a completed turn and nothing is queued (deadline `idleTimeout`).
 * - `hibernated`: the process was stopped (`stopAgent`); a message (queued) or `WAKE` resumes it. `HIBERNATE` is
 *   taken in every state that has or is getting a process (`provisioning` … `recovering`): a session stopped
 *   mid-turn (the pool's clean shutdown, reason `shutdown`) aborts its running and queued turns with that reason,
 *   so it rests with no turn open and the next start has nothing to recover.
 * - `resuming`: `resumeAgent` was asked for; waits for `AGENT_READY` (deadline `startTimeout`).
 * - `recovering`: after a fault: the running turn is aborted, `killAgent` then `resumeAgent`; waits for
 *   `RECOVERY_SUCCEEDED`/`RECOVERY_FAILED` (deadline `recoveryTimeout` counts as a failed attempt).
 * - `failed`: more than `maxConsecutiveFailures` faults and failed recoveries with no successful turn
 *   between; the process is killed, pending turns aborted; waits for an operator's `TERMINATE`.
 * - `terminated`: final; pending turns aborted and the process stopped.
 *
 * Every accepted `MESSAGE_ACCEPTED` ends exactly once: its `TURN_COMPLETED` is accepted (completed, or failed
 * with `isError`), or an `abortTurns` action names it (`agent-fault`, `failed`, `terminated`, or a hibernation's
 * reason). The runtime stores each aborted turn as a `TurnAborted` with the event that aborted it
 * (`session.outcomes.ts`).
 *
 * Faults (`AGENT_FAULT`, or a fault deadline: `startTimeout`/`interruptTimeout` = hang,
 * `stallTimeout` = stall) in a state with a live process lead to `recovering` (or `failed`), keeping
 * the queue. Participants change only by `PARTICIPANT_*`/`ROLE_CHANGED`; faults, recovery and
 * hibernation never touch them. `AGENT_FAULT` in `recovering`, `hibernated` or `failed` is ignored: it
 * reports the death of a process the machine has already given up. A message while the agent cannot
 * take it (busy, interrupting, provisioning, starting, resuming, recovering, hibernated) is queued, up
 * to `maxQueuedMessages`, and sent when the agent is ready again.
 */
import { and, enqueueActions } from 'xstate';
import { TIMER_ELAPSED } from './deadline.js';
import { closeReasonOf, pendingApprovalOf, policyAnswer, settledAnswer, turnAfterWait } from './session.approvals.js';
import { abortedTurns, initialSessionContext, nextAfterEnqueue, nextMessage, type SessionContext } from './session.context.js';
import { SESSION_EVENT as E, type MessageAcceptedEvent, type SessionEvent, type SessionTimerName } from './session.events.js';
import { interruptParams, processParams, resumeParams, sessionSetup, spawnParams } from './session.setup.js';

/**
 * `abortTurns` for the running turn (`current`) or it and the queue (`all`), only when there are any; `reason` is
 * fixed or read from the event that entered the state.
 */
function abortTurns(scope: 'current' | 'all', reason: string | ((event: SessionEvent) => string)) {
  return sessionSetup.createStateConfig({
    entry: enqueueActions(({ context, event, enqueue }) => {
      const params = abortedTurns(context, scope, typeof reason === 'string' ? reason : reason(event));
      if (params !== null) enqueue({ type: 'abortTurns', params });
    }),
  }).entry;
}

/** A policy decision: the agent gets its answer at once (the request was never pending). */
const answerByPolicy = sessionSetup.createStateConfig({
  entry: enqueueActions(({ context, event, enqueue }) => {
    if (event.type === E.APPROVAL_DECIDED) enqueue({ type: 'answerApproval', params: policyAnswer(context, event) });
  }),
}).entry;

/**
 * Leaving `awaitingApproval` settles its request (exit actions run before the transition's): the answer the agent
 * gets and, when no one answered, the outcome to record; the turn's timeout moves by the time waited.
 */
const settleApproval = sessionSetup.createStateConfig({
  exit: enqueueActions(({ context, event, enqueue }) => {
    const pending = pendingApprovalOf(context);
    if (pending === null) return;
    enqueue({ type: 'answerApproval', params: settledAnswer(context, pending, event) });
    const reason = closeReasonOf(event);
    if (reason !== null) {
      const { requestId, turnId, toolName, requestedAt } = pending;
      enqueue({ type: 'closeApproval', params: { requestId, turnId, toolName, reason, requestedAt } });
    }
    enqueue.assign(turnAfterWait(context, event.at));
  }),
}).exit;

/** A fault: one more than tolerated goes to `failed`, otherwise to `recovering`. */
const faultTransitions = [
  { guard: 'failuresExhausted', target: '#session.failed', actions: 'recordFault' },
  { target: '#session.recovering', actions: 'recordFault' },
] as const;

/** The same for a fault deadline: only when `name` is due. */
function faultDeadline<const N extends SessionTimerName>(name: N) {
  const due = { type: 'due', params: { name } } as const;
  return [
    { guard: and([due, 'failuresExhausted']), target: '#session.failed', actions: 'recordFault' },
    { guard: due, target: '#session.recovering', actions: 'recordFault' },
  ] as const;
}

const recoveryDue = { type: 'due', params: { name: 'recoveryTimeout' } } as const;

/** Send the head of the queue to the agent and make it the current turn (which arms the busy deadline). */
const dispatchNext = [
  {
    type: 'sendToAgent',
    params: ({ context }: { context: SessionContext }) => {
      const { turnId, userId, text } = nextMessage(context);
      return { sessionId: context.sessionId, turnId, userId, text };
    },
  },
  'beginQueuedTurn',
] as const;

/** Why the session hibernates: the `HIBERNATE`'s reason, or the idle deadline. */
const hibernateReason = (event: SessionEvent): string => (event.type === E.HIBERNATE ? (event.reason ?? 'hibernate') : 'idleTimeout');

/** Stop the process and rest (a clean shutdown): whatever turns are open are aborted on entering `hibernated`. */
const hibernateNow = { [E.HIBERNATE]: { target: '#session.hibernated' } } as const;

/** A message while the agent cannot take it: queued, if the sender may write and there is room. */
const queueMessage = { [E.MESSAGE_ACCEPTED]: { guard: 'mayQueue', actions: 'enqueueMessage' } } as const;

/** The agent is coming up: messages queue, faults recover, a missed start deadline is a hang. */
const comingUp = {
  ...queueMessage,
  ...hibernateNow,
  [E.AGENT_FAULT]: faultTransitions,
  [TIMER_ELAPSED]: faultDeadline('startTimeout'),
} as const;

/**
 * The agent is up and waiting for a message (shared by `ready` and `idle`); `ready` arms the idle deadline on
 * entry, `idle` has it armed by the turn's completion (`completeTurn`), which saves a context update per turn.
 */
const waiting = sessionSetup.createStateConfig({
  on: {
    // `enqueueMessage` then `dispatchNext`, with the queue update and the turn's start in one assignment.
    [E.MESSAGE_ACCEPTED]: {
      guard: 'mayStartTurn',
      target: 'busy',
      actions: [
        {
          type: 'sendToAgent',
          params: ({ context, event }) => {
            const { turnId, userId, text } = nextAfterEnqueue(context, event as MessageAcceptedEvent);
            return { sessionId: context.sessionId, turnId, userId, text };
          },
        },
        'enqueueAndBegin',
      ],
    },
    [E.HIBERNATE]: { target: 'hibernated' },
    [TIMER_ELAPSED]: { guard: { type: 'due', params: { name: 'idleTimeout' } }, target: 'hibernated' },
    [E.AGENT_FAULT]: faultTransitions,
  },
});

/** The running turn's result: the next queued message starts at once, or the agent goes idle. */
const turnCompleted = [
  { guard: and(['isCurrentTurn', 'hasQueued']), target: 'busy', reenter: true, actions: ['completeTurn', ...dispatchNext] },
  { guard: 'isCurrentTurn', target: 'idle', actions: 'completeTurn' },
] as const;

/**
 * The session machine (id `session`). Create it with `createActor(sessionMachine, { input })` where
 * `input` is a `SessionInput`, or fold events with `replay`/`step` from `./replay.js`.
 */
export const sessionMachine = sessionSetup.createMachine({
  id: 'session',
  context: ({ input }) => initialSessionContext(input),
  initial: 'provisioning',
  on: {
    [E.PARTICIPANT_JOINED]: { guard: 'mayJoin', actions: 'addParticipant' },
    [E.PARTICIPANT_LEFT]: { guard: 'mayLeave', actions: 'removeParticipant' },
    [E.ROLE_CHANGED]: { guard: 'mayChangeRole', actions: 'changeRole' },
    [E.TERMINATE]: { target: '.terminated' },
  },
  states: {
    provisioning: {
      entry: { type: 'spawnAgent', params: ({ context }) => spawnParams(context) },
      on: {
        [E.AGENT_SPAWNED]: { target: 'starting', actions: 'agentSpawned' },
        ...comingUp,
      },
    },
    starting: {
      on: {
        [E.AGENT_READY]: { target: 'ready', actions: 'agentReady' },
        ...comingUp,
      },
    },
    ready: {
      ...waiting,
      entry: { type: 'arm', params: { name: 'idleTimeout' } },
      always: { guard: 'hasQueued', target: 'busy', actions: dispatchNext },
    },
    busy: {
      on: {
        [E.AGENT_OUTPUT]: { guard: 'isCurrentTurn', actions: 'touchTurn' },
        [E.APPROVAL_REQUESTED]: { guard: 'isApprovalOfTurn', target: 'awaitingApproval', actions: 'requestApproval' },
        [E.APPROVAL_DECIDED]: { guard: 'isPolicyDecision', actions: [answerByPolicy, 'touchTurn'] },
        [E.TURN_COMPLETED]: turnCompleted,
        [E.INTERRUPT_REQUESTED]: { guard: 'mayInterrupt', target: 'interrupting' },
        ...queueMessage,
        ...hibernateNow,
        [E.AGENT_FAULT]: faultTransitions,
        [TIMER_ELAPSED]: [
          { guard: { type: 'due', params: { name: 'turnTimeout' } }, target: 'interrupting' },
          ...faultDeadline('stallTimeout'),
        ],
      },
    },
    awaitingApproval: {
      exit: settleApproval,
      on: {
        [E.APPROVAL_DECIDED]: [
          { guard: 'answersPending', target: 'busy', actions: ['allowAlways', 'resumeTurn', 'touch'] },
          { guard: 'isPolicyDecision', actions: [answerByPolicy, 'touch'] },
        ],
        [E.AGENT_OUTPUT]: { guard: 'isCurrentTurn', actions: 'touch' },
        [E.TURN_COMPLETED]: turnCompleted,
        [E.INTERRUPT_REQUESTED]: { guard: 'mayInterrupt', target: 'interrupting' },
        ...queueMessage,
        ...hibernateNow,
        [E.AGENT_FAULT]: faultTransitions,
        [TIMER_ELAPSED]: { guard: { type: 'due', params: { name: 'approvalTimeout' } }, target: 'busy', actions: 'resumeTurn' },
      },
    },
    interrupting: {
      entry: [
        'markInterrupted',
        { type: 'interruptAgent', params: ({ context }) => interruptParams(context) },
        { type: 'arm', params: { name: 'interruptTimeout' } },
      ],
      on: {
        [E.AGENT_OUTPUT]: { guard: 'isCurrentTurn', actions: 'touch' },
        [E.TURN_COMPLETED]: turnCompleted,
        ...queueMessage,
        ...hibernateNow,
        [E.AGENT_FAULT]: faultTransitions,
        [TIMER_ELAPSED]: faultDeadline('interruptTimeout'),
      },
    },
    idle: waiting,
    hibernated: {
      entry: [
        abortTurns('all', hibernateReason),
        'clearTurns',
        { type: 'stopAgent', params: ({ context, event }) => processParams(context, hibernateReason(event)) },
        'forgetProcess',
        'disarm',
      ],
      on: {
        [E.MESSAGE_ACCEPTED]: { guard: 'mayQueue', target: 'resuming', actions: 'enqueueMessage' },
        [E.WAKE]: { target: 'resuming' },
      },
    },
    resuming: {
      entry: [
        { type: 'resumeAgent', params: ({ context }) => resumeParams(context) },
        { type: 'arm', params: { name: 'startTimeout' } },
      ],
      on: {
        [E.AGENT_SPAWNED]: { actions: 'agentSpawned' },
        [E.AGENT_READY]: { target: 'ready', actions: 'agentReady' },
        ...comingUp,
      },
    },
    recovering: {
      entry: [
        abortTurns('current', 'agent-fault'),
        'clearCurrentTurn',
        { type: 'killAgent', params: ({ context }) => processParams(context, 'recovery') },
        'forgetProcess',
        { type: 'resumeAgent', params: ({ context }) => resumeParams(context) },
        { type: 'arm', params: { name: 'recoveryTimeout' } },
      ],
      on: {
        [E.AGENT_SPAWNED]: { actions: 'agentSpawned' },
        [E.RECOVERY_SUCCEEDED]: { target: 'ready', actions: 'recovered' },
        [E.RECOVERY_FAILED]: [
          { guard: 'failuresExhausted', target: 'failed', actions: 'recordFailedRecovery' },
          { target: 'recovering', reenter: true, actions: 'recordFailedRecovery' },
        ],
        [TIMER_ELAPSED]: [
          { guard: and([recoveryDue, 'failuresExhausted']), target: 'failed', actions: 'recordFailedRecovery' },
          { guard: recoveryDue, target: 'recovering', reenter: true, actions: 'recordFailedRecovery' },
        ],
        ...queueMessage,
        ...hibernateNow,
      },
    },
    failed: {
      entry: [
        abortTurns('all', 'failed'),
        'clearTurns',
        { type: 'killAgent', params: ({ context }) => processParams(context, 'failed') },
        'forgetProcess',
        'disarm',
      ],
    },
    terminated: {
      type: 'final',
      entry: [
        abortTurns('all', 'terminated'),
        'clearTurns',
        {
          type: 'stopAgent',
          params: ({ context, event }) => processParams(context, event.type === E.TERMINATE ? event.reason : 'terminated'),
        },
        'forgetProcess',
        'end',
      ],
    },
  },
});
