import { describe, expect, it } from 'vitest';
import { AGENT_EVENT, SessionInputMapper, spawnAgent, startAgent } from '../../src/agent/index.js';
import { SESSION_EVENT } from '../../machines/session.events.js';
import { collect, newConversation, useAgentHarness } from './support.js';

describe('agent runner: a conversation with the fake claude', () => {
  const harness = useAgentHarness();

  async function start(extra = {}) {
    const options = newConversation('acme', extra);
    const agent = harness.track((await startAgent(harness.config(), options))._unsafeUnwrap());
    return { agent, options };
  }

  it('round-trips two turns: ready, init with our session id, assistant text, result with usage and cost', async () => {
    const { agent, options } = await start({ model: 'claude-test', allowedTools: ['Read', 'Bash(git:*)'] });
    const { events, next } = collect(agent);
    expect(events[0]).toEqual({ kind: AGENT_EVENT.SPAWNED, pid: agent.pid });
    expect(await next('ready')).toEqual({ kind: AGENT_EVENT.READY, sessionId: options.conversation.sessionId });

    expect(agent.send('hello there').isOk()).toBe(true);
    expect(agent.busy).toBe(true);
    const init = await next('init');
    expect(init).toMatchObject({ sessionId: options.conversation.sessionId, model: 'claude-test', tools: ['Read', 'Bash(git:*)'] });
    expect((await next('assistant')).text).toBe('echo: hello there');
    const first = await next('result');
    expect(first).toMatchObject({ subtype: 'success', isError: false, result: 'echo: hello there', numTurns: 1 });
    expect(first.usage.inputTokens).toBeGreaterThan(0);
    expect(first.costUsd).toBeGreaterThan(0);
    expect(agent.busy).toBe(false);

    agent.send('second');
    expect((await next('result')).result).toBe('echo: second');
    expect(events.filter((event) => event.kind === AGENT_EVENT.INIT)).toHaveLength(1);
  });

  it('queues turns sent while one runs and answers them in order', async () => {
    const { agent } = await start();
    const { next } = collect(agent);
    agent.send('one ::slow 20');
    agent.send('two');
    expect((await next('result')).result).toBe('echo: one ::slow 20');
    expect((await next('result')).result).toBe('echo: two');
    expect(agent.busy).toBe(false);
  });

  it('surfaces partial deltas and api_retry lines as typed events', async () => {
    const { agent } = await start({ includePartialMessages: true });
    const { events, next } = collect(agent);
    agent.send('a reply long enough to come in several chunks ::api-retry 3');
    await next('result');
    const retries = events.filter((event) => event.kind === AGENT_EVENT.API_RETRY);
    expect(retries.map((event) => event.attempt)).toEqual([1, 2, 3]);
    expect(retries[0]).toMatchObject({ maxRetries: 10, errorStatus: 529, error: 'overloaded' });
    const deltas = events.flatMap((event) => (event.kind === AGENT_EVENT.STREAM_EVENT && event.textDelta !== undefined ? [event.textDelta] : []));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('echo: a reply long enough to come in several chunks ::api-retry 3');
  });

  it('interrupts a running turn with a control request; the turn ends with an error result', async () => {
    const { agent } = await start();
    const { events, next } = collect(agent);
    agent.send('take your time ::slow 100');
    await new Promise((resolve) => setTimeout(resolve, 150));
    const requestId = agent.interrupt()._unsafeUnwrap();
    expect(await next('control_response', (event) => event.requestId === requestId)).toMatchObject({ success: true });
    expect(await next('result')).toMatchObject({ isError: true, subtype: 'error_during_execution' });
    expect(events.some((event) => event.kind === AGENT_EVENT.USER)).toBe(true);
    agent.send('after');
    expect((await next('result')).result).toBe('echo: after');
  });

  it('maps its events onto the session machine inputs', async () => {
    const { agent } = await start();
    const mapper = new SessionInputMapper();
    const mapped: unknown[] = [];
    agent.on((event) => {
      const input = mapper.map(event, agent.busy || event.kind === AGENT_EVENT.RESULT ? 'turn-1' : undefined, 1);
      if (input !== undefined) mapped.push(input);
    });
    const { next } = collect(agent);
    agent.send('hi');
    await next('result');
    expect(mapped[0]).toEqual({ type: SESSION_EVENT.AGENT_SPAWNED, at: 1, pid: agent.pid });
    expect(mapped[1]).toMatchObject({ type: SESSION_EVENT.AGENT_READY, claudeSessionId: agent.sessionId });
    expect(mapped).toContainEqual(
      expect.objectContaining({ type: SESSION_EVENT.AGENT_OUTPUT, at: 1, turnId: 'turn-1', chunkType: 'assistant', content: expect.objectContaining({ text: 'echo: hi' }) }),
    );
    expect(mapped.at(-1)).toMatchObject({ type: SESSION_EVENT.TURN_COMPLETED, turnId: 'turn-1', isError: false, costUsd: 0.001 });
  });

  it('stops gracefully: closes stdin, the CLI exits 0, no fault', async () => {
    const { agent } = await start();
    const { events } = collect(agent);
    const exit = await agent.stop();
    expect(exit).toMatchObject({ code: 0, signal: null, requested: true });
    expect(events.some((event) => event.kind === AGENT_EVENT.FAULT)).toBe(false);
    expect(events.at(-1)?.kind).toBe(AGENT_EVENT.EXITED);
    expect(agent.send('too late')._unsafeUnwrapErr()).toEqual({ kind: 'NotRunning', pid: agent.pid });
  });

  it('iterates events asynchronously until the exit', async () => {
    const agent = harness.track((await spawnAgent(harness.config(), newConversation()))._unsafeUnwrap());
    const kinds: string[] = [];
    const done = (async () => {
      for await (const event of agent.events()) {
        kinds.push(event.kind);
        if (event.kind === AGENT_EVENT.READY) agent.send('x');
        if (event.kind === AGENT_EVENT.RESULT) void agent.stop();
      }
    })();
    await done;
    expect(kinds[0]).toBe('spawned');
    expect(kinds).toContain('result');
    expect(kinds.at(-1)).toBe('exited');
  });
});
