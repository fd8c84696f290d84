/**
 * One running Claude Code process: parses its stdout into typed events, writes turns and control
 * requests to its stdin, watches it (start, turn and stall deadlines; malformed output; exit) and stops
 * it — gracefully or not — by signalling its whole process group.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { err, ok, type Result } from 'neverthrow';
import type { AgentError } from './errors.js';
import { EventHub } from './event-hub.js';
import { AGENT_EVENT, type AgentEvent, type AgentEventListener, type ExitInfo, type FaultEvent, type LineEvent, type ReadyEvent } from './events.js';
import { exitFault } from './exit-fault.js';
import { GarbageDetector } from './garbage-detector.js';
import { controlRequestLine, permissionResponseLine, userMessageLine, type PermissionAnswer } from './input.js';
import type { AgentLimits } from './limits.js';
import { LineSplitter } from './line-splitter.js';
import { parseLine, protocolError } from './parse-line.js';
import { signalGroup } from './process-group.js';
import { CONTROL_SUBTYPE } from './protocol.js';
import { StderrTail } from './stderr-tail.js';
import { StdinWriter } from './stdin-writer.js';
import { Watchdog, type WatchdogTimer } from './watchdog.js';

/** The deadlines of `config.agent`, in ms. */
export interface AgentTimeouts {
  readonly start_timeout: number;
  readonly turn_timeout: number;
  readonly stall_timeout: number;
  readonly kill_grace: number;
}

/** What an `AgentProcess` needs besides the child itself. */
export interface AgentProcessContext {
  readonly sessionId: string;
  readonly resuming: boolean;
  readonly timeouts: AgentTimeouts;
  readonly limits: AgentLimits;
  /** Called once the process has exited (the registry forgets it). */
  readonly onExit?: (pid: number) => void;
  /** Sees every complete stdout line before it is parsed (protocol recording, diagnostics). */
  readonly tap?: (line: string, pid: number) => void;
}

/** Grace for stdout to drain after the process exited, before we stop waiting for it. */
const DRAIN_AFTER_EXIT_MS = 250;

/** A live agent process; create it with `spawnAgent`. */
export class AgentProcess {
  /** Resolves once, when the process is gone (after its last stdout line was parsed). */
  readonly exited: Promise<ExitInfo>;
  private readonly hub = new EventHub();
  private readonly writer: StdinWriter;
  private readonly splitter: LineSplitter;
  private readonly garbage: GarbageDetector;
  private readonly stderr: StderrTail;
  private readonly watchdog: Watchdog;
  private readonly initRequestId = `init-${randomUUID()}`;
  private readonly readyPromise: Promise<Result<ReadyEvent, AgentError>>;
  private settleReady!: (result: Result<ReadyEvent, AgentError>) => void;
  private state: 'starting' | 'ready' | 'exited' = 'starting';
  private pendingTurns = 0;
  private turnStartedAt = 0;
  private requested = false;
  private lastErrorResult: readonly string[] | undefined;
  /** Tool permission requests waiting for our answer, and when the watchdogs were paused for them. */
  private readonly waitingPermissions = new Set<string>();
  private pausedAt: number | null = null;
  private resolveExited!: (exit: ExitInfo) => void;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    /** The process id, which is also its process group id. */
    readonly pid: number,
    private readonly context: AgentProcessContext,
  ) {
    this.splitter = new LineSplitter(context.limits.maxLineBytes);
    this.garbage = new GarbageDetector(context.limits.garbageThreshold, context.limits.garbageWindowMs);
    this.stderr = new StderrTail(context.limits.stderrTailBytes);
    this.watchdog = new Watchdog((name, afterMs) => this.onDeadline(name, afterMs));
    this.writer = new StdinWriter(child.stdin, pid);
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.readyPromise = new Promise((resolve) => (this.settleReady = resolve));
    this.wire();
    this.hub.emit({ kind: AGENT_EVENT.SPAWNED, pid });
    this.watchdog.arm('start', context.timeouts.start_timeout);
    // The CLI prints system/init only with the first turn; the SDK's initialize request is answered at once.
    this.writer.write(controlRequestLine(this.initRequestId, CONTROL_SUBTYPE.INITIALIZE));
  }

  /** The Claude session id this process runs (the one we launched it with). */
  get sessionId(): string {
    return this.context.sessionId;
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.state !== 'exited';
  }

  /** Whether a turn is in flight (sent and not yet answered by a result line). */
  get busy(): boolean {
    return this.pendingTurns > 0;
  }

  /**
   * Resolves once the process accepts input (`ready`), or with why it never will: `ResumeFailed` for an
   * unknown `--resume` id, `StartFailed` for a start-up hang or an early exit.
   */
  ready(): Promise<Result<ReadyEvent, AgentError>> {
    return this.readyPromise;
  }

  /** Listens to every event (the first listener also gets those emitted before it); returns an unsubscribe. */
  on(listener: AgentEventListener): () => void {
    return this.hub.subscribe(listener);
  }

  /** The events as an async iterator that ends after `exited`. */
  events(): AsyncGenerator<AgentEvent> {
    return this.hub.iterate();
  }

  /** Writes one user turn; turns sent while one runs are queued by the CLI and answered in order. */
  send(text: string): Result<void, AgentError> {
    if (this.state === 'exited') return err({ kind: 'NotRunning', pid: this.pid });
    return this.writer.write(userMessageLine(text)).map(() => {
      this.pendingTurns += 1;
      if (this.pendingTurns === 1) this.startTurnClock();
    });
  }

  /** Asks the CLI to abort the running turn (`control_request` `interrupt`); its result line follows. */
  interrupt(): Result<string, AgentError> {
    if (this.state === 'exited') return err({ kind: 'NotRunning', pid: this.pid });
    const requestId = `interrupt-${randomUUID()}`;
    return this.writer.write(controlRequestLine(requestId, CONTROL_SUBTYPE.INTERRUPT)).map(() => requestId);
  }

  /**
   * Answers the CLI's tool permission request `requestId`. While requests wait for an answer the turn and stall
   * watchdogs are paused (a person may take minutes; the session's own approval deadline bounds the wait); the
   * answer resumes them, the turn clock minus the time waited.
   */
  answerPermission(requestId: string, answer: PermissionAnswer): Result<void, AgentError> {
    if (this.state === 'exited') return err({ kind: 'NotRunning', pid: this.pid });
    this.permissionSettled(requestId);
    return this.writer.write(permissionResponseLine(requestId, answer));
  }

  private permissionAsked(requestId: string): void {
    if (this.waitingPermissions.size === 0 && this.pendingTurns > 0) {
      this.pausedAt = Date.now();
      this.watchdog.disarm('turn');
      this.watchdog.disarm('stall');
    }
    this.waitingPermissions.add(requestId);
  }

  private permissionSettled(requestId: string): void {
    if (!this.waitingPermissions.delete(requestId) || this.waitingPermissions.size > 0 || this.pausedAt === null) return;
    const ranMs = this.pausedAt - this.turnStartedAt;
    this.turnStartedAt = Date.now() - ranMs;
    this.pausedAt = null;
    if (this.pendingTurns === 0) return;
    this.watchdog.arm('turn', Math.max(0, this.context.timeouts.turn_timeout - ranMs));
    this.watchdog.arm('stall', this.context.timeouts.stall_timeout);
  }

  /**
   * Stops the process gracefully: interrupts a running turn and closes stdin (the CLI then exits), then
   * after `kill_grace` SIGTERMs its process group, and after another `kill_grace` SIGKILLs it.
   */
  async stop(): Promise<ExitInfo> {
    if (this.state === 'exited') return this.exited;
    this.requested = true;
    if (this.busy) this.interrupt();
    this.writer.end();
    const grace = this.context.timeouts.kill_grace;
    if (await this.exitsWithin(grace)) return this.exited;
    signalGroup(this.pid, 'SIGTERM');
    if (await this.exitsWithin(grace)) return this.exited;
    signalGroup(this.pid, 'SIGKILL');
    return this.exited;
  }

  /** Kills the whole process group at once (SIGKILL). */
  kill(): Promise<ExitInfo> {
    if (this.state !== 'exited') {
      this.requested = true;
      signalGroup(this.pid, 'SIGKILL');
    }
    return this.exited;
  }

  private exitsWithin(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private wire(): void {
    this.child.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let finished = false;
    const finish = (): void => {
      if (finished || exit === undefined) return;
      finished = true;
      this.child.stdout.destroy();
      this.child.stderr.destroy();
      this.onExit(exit.code, exit.signal);
    };
    this.child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Whatever the agent left in its group (background shells) dies with it.
      signalGroup(this.pid, 'SIGKILL');
      setTimeout(finish, DRAIN_AFTER_EXIT_MS).unref();
    });
    this.child.on('close', finish);
    // Signals go to the group via process.kill; a ChildProcess 'error' after spawn has nothing left to report.
    this.child.on('error', () => undefined);
  }

  private onStdout(chunk: Buffer): void {
    if (this.pendingTurns > 0 && this.pausedAt === null) this.watchdog.arm('stall', this.context.timeouts.stall_timeout);
    for (const item of this.splitter.push(chunk)) {
      if ('line' in item) this.onLine(item.line);
      else {
        this.hub.emit(protocolError('line_too_long', item.overflow.head));
        this.fault({ kind: AGENT_EVENT.FAULT, fault: 'garbage', detail: `stdout line longer than ${this.context.limits.maxLineBytes} bytes` });
      }
    }
  }

  private onLine(line: string): void {
    this.context.tap?.(line, this.pid);
    const event = parseLine(line);
    this.hub.emit(event);
    if (event.kind === AGENT_EVENT.PROTOCOL_ERROR) {
      if (this.garbage.record(Date.now())) {
        this.fault({ kind: AGENT_EVENT.FAULT, fault: 'garbage', detail: `${this.context.limits.garbageThreshold} malformed lines within ${this.context.limits.garbageWindowMs} ms; last: ${event.excerpt.slice(0, 80)}` });
      }
      return;
    }
    this.afterLine(event);
  }

  private afterLine(event: LineEvent): void {
    if (event.kind === AGENT_EVENT.INIT || (event.kind === AGENT_EVENT.CONTROL_RESPONSE && event.requestId === this.initRequestId)) {
      this.becomeReady();
    } else if (event.kind === AGENT_EVENT.PERMISSION_REQUEST) {
      this.permissionAsked(event.requestId);
    } else if (event.kind === AGENT_EVENT.PERMISSION_CANCELLED) {
      this.permissionSettled(event.requestId);
    } else if (event.kind === AGENT_EVENT.API_RETRY && this.pendingTurns > 0) {
      // Waiting out an announced retry delay is not a stall.
      this.watchdog.arm('stall', this.context.timeouts.stall_timeout + event.retryDelayMs);
    } else if (event.kind === AGENT_EVENT.RESULT) {
      if (event.isError) this.lastErrorResult = event.errors;
      if (this.pendingTurns === 0) return;
      this.waitingPermissions.clear();
      this.pausedAt = null;
      this.pendingTurns -= 1;
      if (this.pendingTurns > 0) this.startTurnClock();
      else {
        this.watchdog.disarm('turn');
        this.watchdog.disarm('stall');
      }
    }
  }

  private becomeReady(): void {
    if (this.state !== 'starting') return;
    this.state = 'ready';
    this.watchdog.disarm('start');
    const ready: ReadyEvent = { kind: AGENT_EVENT.READY, sessionId: this.context.sessionId };
    this.hub.emit(ready);
    this.settleReady(ok(ready));
  }

  private startTurnClock(): void {
    this.turnStartedAt = Date.now();
    this.watchdog.arm('turn', this.context.timeouts.turn_timeout);
    this.watchdog.arm('stall', this.context.timeouts.stall_timeout);
  }

  private onDeadline(name: WatchdogTimer, afterMs: number): void {
    if (this.state === 'exited') return;
    if (name === 'start') {
      const detail = `no init or initialize response within ${afterMs} ms`;
      this.fault({ kind: AGENT_EVENT.FAULT, fault: 'hang', detail });
      this.settleReady(err({ kind: 'StartFailed', reason: 'hang', detail }));
    } else if (name === 'turn') {
      this.hub.emit({ kind: AGENT_EVENT.TURN_TIMEOUT, elapsedMs: Date.now() - this.turnStartedAt });
      this.interrupt();
    } else {
      this.fault({ kind: AGENT_EVENT.FAULT, fault: 'stall', detail: `no output for ${afterMs} ms during a turn` });
    }
  }

  private fault(event: FaultEvent): void {
    this.hub.emit(event);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    for (const item of this.splitter.end()) if ('line' in item) this.onLine(item.line);
    this.state = 'exited';
    this.pendingTurns = 0;
    this.watchdog.disarmAll();
    const exit: ExitInfo = { code, signal, requested: this.requested, stderrTail: this.stderr.text() };
    const fault = exitFault(exit);
    if (fault !== undefined) this.fault(fault);
    this.settleReady(this.startFailure(exit));
    this.context.onExit?.(this.pid);
    this.hub.emit({ kind: AGENT_EVENT.EXITED, exit });
    this.resolveExited(exit);
  }

  private startFailure(exit: ExitInfo): Result<ReadyEvent, AgentError> {
    if (this.context.resuming && this.lastErrorResult !== undefined) {
      return err({ kind: 'ResumeFailed', sessionId: this.context.sessionId, errors: this.lastErrorResult });
    }
    const detail = exit.stderrTail.trim().split('\n').pop() ?? '';
    return err({ kind: 'StartFailed', reason: 'exit', detail: detail || `exited with ${exit.signal ?? exit.code}`, exitCode: exit.code });
  }
}
