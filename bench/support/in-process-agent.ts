/**
 * An in-process stand-in for the claude CLI, for benchmarks that measure the pool's own cost: an `AgentLauncher`
 * whose handles start no child process. Each handle is ready at once, answers a turn on a later tick with an
 * `assistant` event echoing the text and a successful `result`, ends a running turn with an error result on
 * `interrupt()`, and exits (requested) on `stop()`/`kill()` — the public behaviour of `AgentProcess`, without I/O.
 */
import { randomUUID } from 'node:crypto';
import { err, ok, okAsync, type Result, type ResultAsync } from 'neverthrow';
import { EventHub } from '../../src/agent/event-hub.js';
import {
  AGENT_EVENT,
  type AgentError,
  type AgentEventListener,
  type AgentLaunchOptions,
  type AssistantEvent,
  type ExitInfo,
  type ReadyEvent,
  type ReapReport,
  type ResultEvent,
} from '../../src/agent/index.js';
import type { AgentHandle, AgentLauncher, MaintenanceProbes } from '../../src/pool/index.js';

/** First fake pid; far above any real pid so maintenance and logs never confuse the two. */
export const IN_PROCESS_PID_BASE = 10_000_000;

const ZERO_USAGE = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 } as const;

/** One in-process agent: no child, no streams; events go through the same `EventHub` as a real process's. */
export class InProcessAgent implements AgentHandle {
  readonly exited: Promise<ExitInfo>;
  readonly #hub = new EventHub();
  readonly #ready: ReadyEvent;
  #resolveExited!: (exit: ExitInfo) => void;
  #running = true;
  /** Turns sent and not yet answered, oldest first; the head is the running one. */
  readonly #queue: Array<{ readonly text: string; aborted: boolean }> = [];
  #turns = 0;
  #costUsd = 0;

  constructor(
    readonly pid: number,
    readonly sessionId: string,
  ) {
    this.exited = new Promise((resolve) => (this.#resolveExited = resolve));
    this.#ready = { kind: AGENT_EVENT.READY, sessionId };
    this.#hub.emit({ kind: AGENT_EVENT.SPAWNED, pid });
    this.#hub.emit(this.#ready);
  }

  get running(): boolean {
    return this.#running;
  }

  get busy(): boolean {
    return this.#queue.length > 0;
  }

  ready(): Promise<Result<ReadyEvent, AgentError>> {
    return Promise.resolve(ok(this.#ready));
  }

  on(listener: AgentEventListener): () => void {
    return this.#hub.subscribe(listener);
  }

  /** Queues one turn; its `assistant` and `result` events follow on a later tick, in order with other turns. */
  send(text: string): Result<void, AgentError> {
    if (!this.#running) return err({ kind: 'NotRunning', pid: this.pid });
    this.#queue.push({ text, aborted: false });
    setImmediate(() => this.#answer());
    return ok(undefined);
  }

  /** Ends the running turn with an error result (as the CLI does after an `interrupt` control request). */
  interrupt(): Result<string, AgentError> {
    if (!this.#running) return err({ kind: 'NotRunning', pid: this.pid });
    const running = this.#queue[0];
    if (running !== undefined && !running.aborted) {
      running.aborted = true;
      queueMicrotask(() => this.#finishAborted());
    }
    return ok(`interrupt-${this.pid}-${this.#turns}`);
  }

  stop(): Promise<ExitInfo> {
    if (this.busy) this.interrupt();
    return this.#exit();
  }

  /** The in-process agent never asks for a tool permission: there is nothing to answer. */
  answerPermission(): Result<void, AgentError> {
    return this.#running ? ok(undefined) : err({ kind: 'NotRunning', pid: this.pid });
  }

  kill(): Promise<ExitInfo> {
    return this.#exit();
  }

  /** Answers the running turn (a no-op when an interrupt already ended it: the next turn has its own tick). */
  #answer(): void {
    const turn = this.#queue[0];
    if (!this.#running || turn === undefined || turn.aborted) return;
    this.#queue.shift();
    const { text } = turn;
    const assistant: AssistantEvent = { kind: AGENT_EVENT.ASSISTANT, messageId: `msg_${this.pid}_${this.#turns}`, uuid: randomUUID(), content: [{ type: 'text', text }], text };
    this.#hub.emit(assistant);
    this.#costUsd += 0.001;
    this.#result({ subtype: 'success', isError: false, result: text, errors: [] });
  }

  #finishAborted(): void {
    if (!this.#running || this.#queue[0]?.aborted !== true) return;
    this.#queue.shift();
    this.#result({ subtype: 'error_during_execution', isError: true, result: undefined, errors: [] });
  }

  #result(outcome: Pick<ResultEvent, 'subtype' | 'isError' | 'result' | 'errors'>): void {
    this.#turns += 1;
    const result: ResultEvent = {
      kind: AGENT_EVENT.RESULT,
      ...outcome,
      apiError: false,
      apiErrorStatus: null,
      usage: ZERO_USAGE,
      costUsd: this.#costUsd,
      durationMs: 0,
      numTurns: this.#turns,
      sessionId: this.sessionId,
    };
    this.#hub.emit(result);
  }

  #exit(): Promise<ExitInfo> {
    if (!this.#running) return this.exited;
    this.#running = false;
    this.#queue.length = 0;
    const exit: ExitInfo = { code: 0, signal: null, requested: true, stderrTail: '' };
    this.#hub.emit({ kind: AGENT_EVENT.EXITED, exit });
    this.#resolveExited(exit);
    return this.exited;
  }
}

/** Launches {@link InProcessAgent}s with unique fake pids; counts how many it started. */
export class InProcessLauncher implements AgentLauncher {
  #nextPid = IN_PROCESS_PID_BASE;
  #spawned = 0;

  /** Agents started so far. */
  get spawned(): number {
    return this.#spawned;
  }

  spawn(options: AgentLaunchOptions): ResultAsync<AgentHandle, AgentError> {
    this.#spawned += 1;
    return okAsync(new InProcessAgent(this.#nextPid++, options.conversation.sessionId));
  }

  reapOrphans(): ResultAsync<ReapReport, AgentError> {
    return okAsync({ killed: [], skipped: [] });
  }
}

/** Maintenance probes for in-process agents: no /proc reads, every fake group alive, nothing to kill. */
export const IN_PROCESS_PROBES: MaintenanceProbes = {
  rssOf: () => 0,
  childPids: () => [],
  groupsAlive: (pgids) => new Set(pgids),
  killGroup: () => undefined,
};
