/**
 * Writes lines to a child's stdin respecting backpressure: after `write` returns false, further lines
 * wait in order in our queue until `drain`. A closed or broken pipe turns every later write into a
 * `StdinClosed` value.
 */
import type { Writable } from 'node:stream';
import { err, ok, type Result } from 'neverthrow';
import type { AgentError } from './errors.js';

/** An ordered, backpressure-aware line writer. */
export class StdinWriter {
  private readonly queue: string[] = [];
  private blocked = false;
  private closed = false;

  constructor(
    private readonly stream: Writable,
    private readonly pid: number | undefined,
  ) {
    stream.on('drain', () => {
      this.blocked = false;
      this.pump();
    });
    stream.on('error', () => this.markClosed());
    stream.on('close', () => this.markClosed());
  }

  /** Queues `line` (with its newline); fails once the pipe is closed. */
  write(line: string): Result<void, AgentError> {
    if (this.closed || this.stream.writableEnded || this.stream.destroyed) return err({ kind: 'StdinClosed', pid: this.pid });
    this.queue.push(line);
    this.pump();
    return ok(undefined);
  }

  /** Characters waiting for the pipe to drain. */
  get queuedChars(): number {
    return this.queue.reduce((sum, line) => sum + line.length, 0);
  }

  /** Ends stdin after the queued lines (end of input: the CLI finishes its turn and exits). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.queue.length === 0) this.stream.end();
  }

  private pump(): void {
    while (!this.blocked && this.queue.length > 0) {
      const line = this.queue.shift() as string;
      if (!this.stream.write(line)) this.blocked = true;
    }
    if (this.closed && this.queue.length === 0 && !this.stream.writableEnded && !this.stream.destroyed) this.stream.end();
  }

  private markClosed(): void {
    this.closed = true;
    this.queue.length = 0;
  }
}
