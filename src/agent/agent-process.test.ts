import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentProcess } from './agent-process.js';
import type { AgentEvent } from './events.js';
import { DEFAULT_AGENT_LIMITS } from './limits.js';

// Above Linux's pid_max: signalling this "group" can never reach a real process.
const IMPOSSIBLE_PID = 2 ** 30;

function fakeChild() {
  const child = Object.assign(new EventEmitter(), { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() });
  return child as unknown as ChildProcessWithoutNullStreams & { stdout: PassThrough };
}

function start(timeouts: Partial<{ start_timeout: number; turn_timeout: number; stall_timeout: number; kill_grace: number }> = {}) {
  const child = fakeChild();
  const agent = new AgentProcess(child, IMPOSSIBLE_PID, {
    sessionId: 's-1',
    resuming: false,
    timeouts: { start_timeout: 1_000, turn_timeout: 60_000, stall_timeout: 1_000, kill_grace: 100, ...timeouts },
    limits: DEFAULT_AGENT_LIMITS,
  });
  const events: AgentEvent[] = [];
  agent.on((event) => events.push(event));
  const line = (obj: unknown) => child.stdout.write(`${JSON.stringify(obj)}\n`);
  return { agent, child, events, line, faults: () => events.filter((event) => event.kind === 'fault') };
}

describe('AgentProcess deadlines (fake timers, fake child)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is a hang when neither init nor the initialize response arrives within start_timeout', async () => {
    const { agent, faults } = start();
    await vi.advanceTimersByTimeAsync(1_001);
    expect(faults()).toMatchObject([{ fault: 'hang' }]);
    expect((await agent.ready())._unsafeUnwrapErr()).toMatchObject({ kind: 'StartFailed', reason: 'hang' });
  });

  it('a stall is silence during a turn only; an api_retry pushes the deadline by its announced delay', async () => {
    const { agent, line, faults } = start();
    line({ type: 'system', subtype: 'init', session_id: 's-1' });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(faults()).toEqual([]);
    agent.send('hi');
    line({ type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 10, retry_delay_ms: 4_000, error_status: 529, error: 'overloaded' });
    await vi.advanceTimersByTimeAsync(4_500);
    expect(faults()).toEqual([]);
    await vi.advanceTimersByTimeAsync(600);
    expect(faults()).toMatchObject([{ fault: 'stall' }]);
  });

  it('a result ends the turn and its deadlines', async () => {
    const { agent, line, events, faults } = start({ turn_timeout: 2_000 });
    agent.send('hi');
    line({ type: 'result', subtype: 'success', is_error: false });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(agent.busy).toBe(false);
    expect(faults()).toMatchObject([{ fault: 'hang' }]);
    expect(events.some((event) => event.kind === 'turn_timeout')).toBe(false);
  });
});
