/**
 * Relays the agent's tool permission requests (`can_use_tool`) to the session and the session's answers back to
 * the agent. A request is first put to the policy (`policy.ts`): a rule that allows or denies decides at once
 * (`APPROVAL_DECIDED` by `policy`, naming the rule); one that asks makes the session await a human
 * (`APPROVAL_REQUESTED`). A session awaits one request at a time: further requests that need a human wait here, in
 * order, and are put to the policy again when their turn comes (an "always allow" meanwhile may decide them). The
 * session's `answerApproval` effect writes the answer; a request the session will not take (its turn is over, the
 * session moved on) is denied at once, so the agent never waits for an answer that cannot come. Only sessions with
 * a request in flight have state here: nothing is done per message otherwise.
 */
import type { ResultAsync } from 'neverthrow';
import { SESSION_EVENT, type AnswerApprovalParams, type ApprovalBehavior, type ApprovalSettler, type SessionEvent } from '../../../machines/index.js';
import type { PermissionAnswer, PermissionRequestEvent } from '../../agent/index.js';
import { SEND_OUTCOME, type Clock, type RuntimeError } from '../../runtime/index.js';
import type { AttachedAgent, SessionActor, SessionEntry, SessionIndex } from '../sessions/session-index.js';
import { decideToolUse, type ApprovalPolicy } from './policy.js';

/** What the relay tells the pool (for metrics). */
export type ApprovalNotice =
  | { readonly kind: 'approvalRequested'; readonly sessionId: string }
  | { readonly kind: 'approvalDecided'; readonly sessionId: string; readonly outcome: ApprovalBehavior; readonly decidedBy: ApprovalSettler; readonly seconds: number | null };

/** What the relay works with. */
export interface ApprovalRelayDeps {
  readonly index: SessionIndex;
  readonly policy: ApprovalPolicy;
  readonly clock: Clock;
  readonly actorOf: (sessionId: string) => ResultAsync<SessionActor, RuntimeError>;
  readonly notify: (notice: ApprovalNotice) => void;
  readonly report: (error: RuntimeError) => void;
}

/** A request as the relay keeps it until answered. */
interface HeldRequest {
  readonly event: PermissionRequestEvent;
  readonly turnId: string;
}

/** One session's requests in flight: the inputs of those not answered yet, the one the session awaits, those waiting. */
interface SessionRequests {
  readonly inputs: Map<string, Record<string, unknown>>;
  current: string | null;
  readonly waiting: HeldRequest[];
}

/** Where the agent's working directory is unknown, path rules match nothing (the request goes on to a human). */
const UNKNOWN_CWD = '/nonexistent-working-directory';

/** The tool approval relay of one pool. */
export class ApprovalRelay {
  readonly #sessions = new Map<string, SessionRequests>();

  constructor(private readonly deps: ApprovalRelayDeps) {}

  /** The agent of `entry` asks whether it may use a tool during `turnId` (undefined: between turns). */
  request(entry: SessionEntry, agent: AttachedAgent, event: PermissionRequestEvent): void {
    this.deps.notify({ kind: 'approvalRequested', sessionId: entry.sessionId });
    const turnId = agent.currentTurnId;
    if (turnId === undefined) {
      this.#write(agent, event.requestId, { behavior: 'deny', message: 'No turn is running.' });
      this.deps.notify({ kind: 'approvalDecided', sessionId: entry.sessionId, outcome: 'deny', decidedBy: 'session', seconds: null });
      return;
    }
    const requests = this.#requestsOf(entry.sessionId);
    requests.inputs.set(event.requestId, event.input);
    requests.waiting.push({ event, turnId });
    this.#next(entry.sessionId, agent.cwd);
  }

  /** The agent withdrew request `requestId`: forget it unless the session already awaits it (its answer is then ignored). */
  withdrawn(sessionId: string, requestId: string): void {
    const requests = this.#sessions.get(sessionId);
    if (requests === undefined) return;
    const at = requests.waiting.findIndex((held) => held.event.requestId === requestId);
    if (at >= 0) {
      requests.waiting.splice(at, 1);
      requests.inputs.delete(requestId);
    }
    this.#forgetIfIdle(sessionId, requests);
  }

  /** The session's `answerApproval` effect: the answer goes to the agent, and the next waiting request is put. */
  answer(params: AnswerApprovalParams): void {
    const { sessionId, requestId } = params;
    const requests = this.#sessions.get(sessionId);
    const input = requests?.inputs.get(requestId) ?? {};
    requests?.inputs.delete(requestId);
    const agent = this.deps.index.get(sessionId)?.agent ?? null;
    const answer: PermissionAnswer =
      params.behavior === 'allow'
        ? { behavior: 'allow', updatedInput: params.updatedInput ?? input }
        : { behavior: 'deny', message: params.message ?? 'Denied.', ...(params.decidedBy === 'session' ? { interrupt: true } : {}) };
    if (agent !== null) this.#write(agent, requestId, answer);
    const seconds = params.requestedAt === null ? null : Math.max(0, this.deps.clock.now() - params.requestedAt) / 1000;
    this.deps.notify({ kind: 'approvalDecided', sessionId, outcome: params.behavior, decidedBy: params.decidedBy, seconds });
    if (requests === undefined) return;
    if (requests.current === requestId) requests.current = null;
    // A session that left its turn (interrupt, fault, end) will take none of the waiting requests: deny them now.
    if (params.decidedBy === 'session') this.#denyWaiting(sessionId, requests, agent);
    this.#next(sessionId, agent?.cwd ?? null);
  }

  /** Puts the next waiting request to the policy, and to the session when a human must decide and none is awaited. */
  #next(sessionId: string, cwd: string | null): void {
    const requests = this.#sessions.get(sessionId);
    if (requests === undefined) return;
    if (requests.current !== null || requests.waiting.length === 0) return this.#forgetIfIdle(sessionId, requests);
    const held = requests.waiting.shift()!;
    requests.current = held.event.requestId;
    void this.deps.actorOf(sessionId).match(
      (actor) => this.#put(actor, sessionId, held, cwd ?? UNKNOWN_CWD),
      (error) => {
        this.deps.report(error);
        this.#refuse(sessionId, held, 'The session could not be loaded.');
      },
    );
  }

  #put(actor: SessionActor, sessionId: string, held: HeldRequest, cwd: string): void {
    const { context } = actor.getSnapshot();
    const { event, turnId } = held;
    const verdict = decideToolUse(this.deps.policy, { tenant: context.tenant, cwd, sessionRules: context.approvalRules ?? [], alwaysAllowed: context.alwaysAllowed ?? [] }, event);
    const at = this.deps.clock.now();
    const { requestId, toolName, input } = event;
    const sent: SessionEvent =
      verdict.action === 'ask'
        ? { type: SESSION_EVENT.APPROVAL_REQUESTED, at, turnId, requestId, toolName, input, toolUseId: event.toolUseId, suggestions: event.suggestions, reason: event.reason }
        : {
            type: SESSION_EVENT.APPROVAL_DECIDED,
            at,
            turnId,
            requestId,
            toolName,
            input,
            behavior: verdict.action,
            decidedBy: 'policy',
            rule: verdict.rule,
            ...(verdict.action === 'deny' ? { message: `Denied by rule ${verdict.rule}.` } : {}),
          };
    void actor.send(sent).match(
      (outcome) => {
        if (outcome.kind === SEND_OUTCOME.ignored) this.#refuse(sessionId, held, 'The session is not running this turn any more.');
      },
      (error) => {
        this.deps.report(error);
        this.#refuse(sessionId, held, 'The decision could not be recorded.');
      },
    );
  }

  /** Denies `held` without the session (it would not take it), and moves on. */
  #refuse(sessionId: string, held: HeldRequest, message: string): void {
    const requests = this.#sessions.get(sessionId);
    if (requests !== undefined) {
      requests.inputs.delete(held.event.requestId);
      if (requests.current === held.event.requestId) requests.current = null;
    }
    const agent = this.deps.index.get(sessionId)?.agent ?? null;
    if (agent !== null) this.#write(agent, held.event.requestId, { behavior: 'deny', message });
    this.deps.notify({ kind: 'approvalDecided', sessionId, outcome: 'deny', decidedBy: 'session', seconds: null });
    this.#next(sessionId, agent?.cwd ?? null);
  }

  #denyWaiting(sessionId: string, requests: SessionRequests, agent: AttachedAgent | null): void {
    for (const held of requests.waiting.splice(0)) {
      requests.inputs.delete(held.event.requestId);
      if (agent !== null) this.#write(agent, held.event.requestId, { behavior: 'deny', message: 'The turn ended.', interrupt: true });
      this.deps.notify({ kind: 'approvalDecided', sessionId, outcome: 'deny', decidedBy: 'session', seconds: null });
    }
  }

  #write(agent: AttachedAgent, requestId: string, answer: PermissionAnswer): void {
    // A process that is gone has nobody waiting for the answer.
    if (agent.handle.running) agent.handle.answerPermission(requestId, answer);
  }

  #requestsOf(sessionId: string): SessionRequests {
    let requests = this.#sessions.get(sessionId);
    if (requests === undefined) {
      requests = { inputs: new Map(), current: null, waiting: [] };
      this.#sessions.set(sessionId, requests);
    }
    return requests;
  }

  #forgetIfIdle(sessionId: string, requests: SessionRequests): void {
    if (requests.current === null && requests.waiting.length === 0 && requests.inputs.size === 0) this.#sessions.delete(sessionId);
  }
}
