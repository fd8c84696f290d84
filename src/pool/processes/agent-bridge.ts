/**
 * The bridge between session actors and agent processes: the implementations of the session machine's side
 * effects (`spawnAgent`, `resumeAgent`, `sendToAgent`, `interruptAgent`, `stopAgent`, `killAgent`; its aborted
 * turns are no effect but stored `TurnAborted` events, which clients get with the rest of the session's events),
 * and the translation of a process's events back into session events (`AGENT_SPAWNED`, `AGENT_READY` or
 * `RECOVERY_SUCCEEDED`, `AGENT_OUTPUT` with its content, `TURN_COMPLETED`, `AGENT_FAULT`). Output passes through
 * the message-processor chain before it is stored. `api_retry` lines, turn results and aborted turns feed the API
 * breaker (`api-breaker.ts`), which knows which turns are its probes.
 */
import { randomUUID } from 'node:crypto';
import type { ResultAsync } from 'neverthrow';
import { SESSION_EVENT, type AgentOptions, type AgentOutputEvent, type ForkOrigin, type SessionEvent, type SessionStateValue } from '../../../machines/index.js';
import { AGENT_EVENT, RESULT_SUBTYPE, SessionInputMapper, type AgentEvent, type AgentConversation } from '../../agent/index.js';
import type { Clock, RuntimeError, SessionEffects } from '../../runtime/index.js';
import type { ApiTurnBreaker } from '../resilience/api-breaker.js';
import { describePoolError, type PoolError } from '../errors.js';
import type { ExtensionFault } from '../extensions/extension-errors.js';
import type { ProcessorChain } from '../extensions/message-processors.js';
import { startFailureIsPermanent, type ProcessSupply, type SuppliedProcess } from './process-supply.js';
import type { AttachedAgent, SessionActor, SessionEntry, SessionIndex } from '../sessions/session-index.js';
import { TextDeltas } from './text-deltas.js';
import { ApprovalRelay, type ApprovalNotice } from '../approvals/approval-relay.js';
import type { ApprovalPolicy } from '../approvals/policy.js';

/** Things the bridge tells the pool about (for its listeners and metrics). */
export type BridgeNotice =
  | ApprovalNotice
  | { readonly kind: 'processReused'; readonly sessionId: string; readonly pid: number }
  | { readonly kind: 'processorFault'; readonly sessionId: string; readonly fault: ExtensionFault }
  | { readonly kind: 'startFailed'; readonly sessionId: string; readonly error: PoolError };

/** What the bridge works with. */
export interface BridgeDeps {
  readonly index: SessionIndex;
  readonly supply: ProcessSupply;
  readonly processors: ProcessorChain;
  readonly apiBreaker: ApiTurnBreaker;
  readonly clock: Clock;
  /** The live handle of a session's actor (restored from its stream if needed). */
  readonly actorOf: (sessionId: string) => ResultAsync<SessionActor, RuntimeError>;
  /** Offers a process with no conversation back to the warm set; false when the pool does not want it. */
  readonly offerWarm: (process: SuppliedProcess, tenant: string, options: AgentOptions) => boolean;
  readonly notify: (notice: BridgeNotice) => void;
  /** The tool approval rules (`approvals` in config). */
  readonly approvalPolicy: ApprovalPolicy;
  readonly report: (error: RuntimeError) => void;
}

type StartMode = 'start' | 'resume' | 'recover';

/** Least wait before asking an open breaker again (another probe may be in flight). */
const BREAKER_RECHECK_MS = 50;

const ignore = (): void => undefined;

/** The state a session waits in for a process started in each mode (after `AGENT_SPAWNED` for a first start). */
const stateOf: Readonly<Record<StartMode, SessionStateValue>> = { start: 'provisioning', resume: 'resuming', recover: 'recovering' };

/**
 * The conversation a session's agent starts with under `sessionId` when it has none of its own yet: a fork of its
 * parent's conversation at the fork point (`--fork-session`), or a new one. `forkedFrom` is absent in snapshots
 * taken before forking existed.
 */
export function firstConversation(sessionId: string, forkedFrom: ForkOrigin | null | undefined): AgentConversation {
  const parentSessionId = forkedFrom?.claudeSessionId ?? null;
  const atMessageUuid = forkedFrom?.messageUuid ?? null;
  return parentSessionId === null || atMessageUuid === null ? { mode: 'new', sessionId } : { mode: 'fork', sessionId, parentSessionId, atMessageUuid };
}

/** Builds the session effects over `deps`. */
export function createSessionEffects(deps: BridgeDeps): SessionEffects {
  const { index, clock } = deps;
  const approvals = new ApprovalRelay({ index, policy: deps.approvalPolicy, clock, actorOf: deps.actorOf, notify: deps.notify, report: deps.report });

  const send = (sessionId: string, event: SessionEvent): void => {
    void deps.actorOf(sessionId).andThen((actor) => actor.send(event)).match(ignore, deps.report);
  };

  const detach = (entry: SessionEntry): AttachedAgent | null => {
    const agent = entry.agent;
    if (agent === null) return null;
    entry.agent = null;
    agent.detach();
    return agent;
  };

  const attach = (entry: SessionEntry, supplied: SuppliedProcess, mode: StartMode): void => {
    detach(entry);
    const { handle } = supplied;
    const agent: AttachedAgent = {
      handle,
      mapper: new SessionInputMapper(),
      startedAt: supplied.startedAt,
      currentTurnId: undefined,
      turnsSent: 0,
      deltas: new TextDeltas(),
      cwd: null,
      detach: () => undefined,
    };
    entry.agent = agent;
    const at = clock.now();
    send(entry.sessionId, { type: SESSION_EVENT.AGENT_SPAWNED, at, pid: handle.pid });
    send(
      entry.sessionId,
      mode === 'recover'
        ? { type: SESSION_EVENT.RECOVERY_SUCCEEDED, at, pid: handle.pid, claudeSessionId: handle.sessionId }
        : { type: SESSION_EVENT.AGENT_READY, at, claudeSessionId: handle.sessionId },
    );
    agent.detach = handle.on((event) => {
      if (entry.agent === agent) onAgentEvent(entry, agent, event);
    });
    if (!handle.running) onAgentEvent(entry, agent, { kind: AGENT_EVENT.FAULT, fault: 'exit', detail: 'process exited before it was attached' });
  };

  const onAgentEvent = (entry: SessionEntry, agent: AttachedAgent, event: AgentEvent): void => {
    const at = clock.now();
    if (event.kind === AGENT_EVENT.ASSISTANT) flushDeltas(entry, agent, { turnId: agent.currentTurnId, text: event.text });
    else if (event.kind !== AGENT_EVENT.STREAM_EVENT) flushDeltas(entry, agent);
    switch (event.kind) {
      case AGENT_EVENT.SPAWNED:
      case AGENT_EVENT.READY:
      case AGENT_EVENT.CONTROL_RESPONSE:
      case AGENT_EVENT.PROTOCOL_ERROR:
      case AGENT_EVENT.TURN_TIMEOUT:
        return;
      case AGENT_EVENT.EXITED:
        detach(entry);
        return;
      case AGENT_EVENT.PERMISSION_REQUEST:
        approvals.request(entry, agent, event);
        return;
      case AGENT_EVENT.PERMISSION_CANCELLED:
        approvals.withdrawn(entry.sessionId, event.requestId);
        return;
      case AGENT_EVENT.INIT:
        agent.cwd = event.cwd ?? null;
        break;
      case AGENT_EVENT.API_RETRY:
        deps.apiBreaker.retried(agent.currentTurnId, event);
        break;
      case AGENT_EVENT.RESULT:
        deps.apiBreaker.ended(agent.currentTurnId, event);
        break;
      default:
        break;
    }
    const turnId = agent.currentTurnId;
    const mapped = agent.mapper.map(event, turnId, at);
    if (mapped === undefined) return;
    if (mapped.type === SESSION_EVENT.TURN_COMPLETED) agent.currentTurnId = undefined;
    if (mapped.type === SESSION_EVENT.AGENT_OUTPUT) {
      if (mapped.chunkType === AGENT_EVENT.STREAM_EVENT) gatherDelta(entry, agent, mapped);
      else sendOutput(entry, mapped);
      return;
    }
    send(entry.sessionId, mapped);
    // The process spent its `--max-budget-usd`: each later turn of it would end the same way. Hibernate, so the next
    // message (once the tenant's budget allows one) starts a process capped at what is left then.
    if (event.kind === AGENT_EVENT.RESULT && event.subtype === RESULT_SUBTYPE.ERROR_MAX_BUDGET_USD) {
      send(entry.sessionId, { type: SESSION_EVENT.HIBERNATE, at, reason: 'agent budget spent' });
    }
  };

  /** Passes an output chunk through the message processors, then to the session. */
  const sendOutput = (entry: SessionEntry, output: AgentOutputEvent): void => {
    const { chunk, faults } = deps.processors.processOutbound({
      sessionId: entry.sessionId,
      tenant: entry.tenant,
      turnId: output.turnId,
      chunkType: output.chunkType,
      content: output.content,
    });
    for (const fault of faults) deps.notify({ kind: 'processorFault', sessionId: entry.sessionId, fault });
    // A dropped chunk still proves the agent is alive: keep the event, without its content.
    const content = chunk === null ? { dropped: true } : (chunk.content as typeof output.content);
    send(entry.sessionId, { ...output, ...(content === undefined ? {} : { content }) });
  };

  // Partial messages: text deltas are joined per read, and not stored when the complete message came with them (see text-deltas.ts).
  const gatherDelta = (entry: SessionEntry, agent: AttachedAgent, delta: AgentOutputEvent): void => {
    const wasPending = agent.deltas.pending;
    const previous = agent.deltas.add(delta);
    if (previous !== undefined) sendOutput(entry, previous);
    if (!wasPending) setImmediate(() => flushDeltas(entry, agent));
  };

  const flushDeltas = (entry: SessionEntry, agent: AttachedAgent, complete?: { turnId: string | undefined; text: string }): void => {
    const pending = agent.deltas.take(complete);
    if (pending !== undefined) sendOutput(entry, pending);
  };

  // Sessions whose last start failed for good (missing command, invalid options), with why: their recoveries are
  // answered at once instead of starting the same doomed process again (the machine still counts them).
  const givenUp = new Map<string, string>();

  const startFor = (sessionId: string, tenant: string, options: AgentOptions, conversation: AgentConversation, mode: StartMode): void => {
    const doomed = givenUp.get(sessionId);
    if (doomed !== undefined && mode === 'recover') {
      send(sessionId, { type: SESSION_EVENT.RECOVERY_FAILED, at: clock.now(), detail: doomed });
      return;
    }
    givenUp.delete(sessionId);
    // A warm process already runs a conversation of its own: only a new one can take it.
    void deps.supply.obtain(tenant, options, conversation, mode === 'start' && conversation.mode === 'new').match(
      (supplied) => {
        const entry = index.get(sessionId);
        const wanted: readonly SessionStateValue[] = mode === 'recover' ? ['recovering'] : mode === 'resume' ? ['resuming'] : ['provisioning', 'starting'];
        if (deps.supply.closed || entry === undefined || !wanted.includes(entry.state)) {
          // The session moved on while the process started (terminated, failed): nobody needs it.
          void supplied.handle.stop();
          return;
        }
        attach(entry, supplied, mode);
      },
      (error) => {
        deps.notify({ kind: 'startFailed', sessionId, error });
        // The spawn breaker is open: try again when it lets a probe through instead of burning the session's
        // failure allowance now. The machine's own deadline still bounds the wait.
        if (error.kind === 'BreakerOpen' && error.retryAt !== null) {
          const timer = setTimeout(() => {
            const entry = index.get(sessionId);
            if (!deps.supply.closed && entry !== undefined && entry.agent === null && entry.state === stateOf[mode]) startFor(sessionId, tenant, options, conversation, mode);
          }, Math.max(BREAKER_RECHECK_MS, error.retryAt - clock.now()));
          timer.unref();
          return;
        }
        const at = clock.now();
        const permanent = startFailureIsPermanent(error);
        const detail = permanent ? `${describePoolError(error)} (not retried: trying again cannot help)` : describePoolError(error);
        if (permanent) givenUp.set(sessionId, detail);
        send(sessionId, mode === 'recover' ? { type: SESSION_EVENT.RECOVERY_FAILED, at, detail } : { type: SESSION_EVENT.AGENT_FAULT, at, fault: 'exit', detail });
      },
    );
  };

  const stopProcess = (sessionId: string, pid: number | null, graceful: boolean, state: SessionStateValue): void => {
    const entry = index.get(sessionId);
    if (entry === undefined || entry.agent === null) return;
    if (pid !== null && entry.agent.handle.pid !== pid) return;
    const agent = detach(entry)!;
    const { handle } = agent;
    const reusable = graceful && agent.turnsSent === 0 && handle.running && !handle.busy && state === 'terminated';
    if (reusable && deps.offerWarm({ handle, source: 'warm', startedAt: agent.startedAt }, entry.tenant, optionsOf(entry))) {
      deps.notify({ kind: 'processReused', sessionId, pid: handle.pid });
      return;
    }
    if (graceful) deps.supply.retire(handle);
    else void handle.kill();
  };

  const optionsByEntry = new WeakMap<SessionEntry, AgentOptions>();
  const optionsOf = (entry: SessionEntry): AgentOptions => optionsByEntry.get(entry)!;

  return {
    spawnAgent: ({ sessionId, options }, context) => {
      const entry = index.get(sessionId);
      if (entry !== undefined) optionsByEntry.set(entry, options);
      startFor(sessionId, context.snapshot.context.tenant, options, firstConversation(sessionId, context.snapshot.context.forkedFrom), 'start');
    },
    resumeAgent: ({ sessionId, claudeSessionId, options }, context) => {
      const entry = index.get(sessionId);
      if (entry !== undefined) optionsByEntry.set(entry, options);
      const mode: StartMode = context.snapshot.value === 'recovering' ? 'recover' : 'resume';
      // Claude Code writes a transcript only once a turn arrives: a conversation that never completed one has
      // nothing to `--resume`, so it starts afresh (its aborted first turn, if any, was stored as `TurnAborted`).
      const resumable = claudeSessionId !== null && context.snapshot.context.usage.turns > 0;
      // A fork that has not completed a turn of its own has no transcript yet either: it forks again.
      const conversation: AgentConversation = resumable ? { mode: 'resume', sessionId: claudeSessionId } : firstConversation(randomUUID(), context.snapshot.context.forkedFrom);
      startFor(sessionId, context.snapshot.context.tenant, options, conversation, mode);
    },
    sendToAgent: ({ sessionId, turnId, text }) => {
      const agent = index.get(sessionId)?.agent;
      if (agent === null || agent === undefined) {
        send(sessionId, { type: SESSION_EVENT.AGENT_FAULT, at: clock.now(), fault: 'crash', detail: 'no agent process to send the turn to' });
        return;
      }
      agent.currentTurnId = turnId;
      agent.turnsSent += 1;
      const written = agent.handle.send(text);
      if (written.isErr()) {
        send(sessionId, { type: SESSION_EVENT.AGENT_FAULT, at: clock.now(), fault: 'crash', detail: `could not write the turn: ${written.error.kind}` });
      }
    },
    interruptAgent: ({ sessionId }) => {
      index.get(sessionId)?.agent?.handle.interrupt();
    },
    answerApproval: (params) => approvals.answer(params),
    stopAgent: ({ sessionId, pid }, context) => {
      if (context.snapshot.value === 'terminated') givenUp.delete(sessionId);
      stopProcess(sessionId, pid, true, context.snapshot.value as SessionStateValue);
    },
    killAgent: ({ sessionId, pid }, context) => {
      if (context.snapshot.value === 'failed') givenUp.delete(sessionId);
      stopProcess(sessionId, pid, false, context.snapshot.value as SessionStateValue);
    },
  };
}
