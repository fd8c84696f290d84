import { describe, expect, it } from 'vitest';
import { AGENT_EVENT, groupMembers, spawnAgent, startAgent, type AgentRunnerConfig } from '../../src/agent/index.js';
import { collect, newConversation, useAgentHarness } from './support.js';

describe('agent runner: faults of the fake claude', () => {
  const { track, config } = useAgentHarness();

  async function start(runner: AgentRunnerConfig, env: Record<string, string> = {}) {
    return track((await startAgent(runner, newConversation('acme', { env })))._unsafeUnwrap());
  }

  it('a turn that goes silent is a stall fault; killing it leaves nothing behind, grandchildren included', async () => {
    const agent = await start(config({ stall_timeout: 300 }));
    const { next } = collect(agent);
    agent.send('::spawn-child ::stall');
    await next('assistant');
    expect(groupMembers(agent.pid).length).toBeGreaterThanOrEqual(2);
    const fault = await next('fault');
    expect(fault).toMatchObject({ fault: 'stall' });
    const exit = await agent.kill();
    expect(exit).toMatchObject({ signal: 'SIGKILL', requested: true });
  });

  it('a process that never answers at start is a hang fault and a StartFailed error', async () => {
    const runner = config({ start_timeout: 300 });
    const started = Date.now();
    const result = await startAgent(runner, newConversation('acme', { env: { FAKE_CLAUDE_FAULT: 'hang-on-start' } }));
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'StartFailed', reason: 'hang' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('emits the hang fault as an event too', async () => {
    const agent = track((await spawnAgent(config({ start_timeout: 200 }), newConversation('acme', { env: { FAKE_CLAUDE_FAULT: 'hang-on-start' } })))._unsafeUnwrap());
    const { next } = collect(agent);
    expect(await next('fault')).toMatchObject({ fault: 'hang' });
  });

  it('malformed lines are typed protocol errors, and a burst of them a garbage fault, the process keeps going', async () => {
    const agent = await start(config());
    const { events, next } = collect(agent);
    agent.send('::garbage 3');
    await next('result');
    expect(events.filter((event) => event.kind === AGENT_EVENT.PROTOCOL_ERROR)).toHaveLength(3);
    expect(events.some((event) => event.kind === AGENT_EVENT.FAULT)).toBe(false);
    agent.send('::garbage 10');
    expect(await next('fault')).toMatchObject({ fault: 'garbage' });
    expect(await next('protocol_error')).toMatchObject({ reason: 'invalid_json', excerpt: '<<garbage 0>> not json' });
    await next('result');
    expect(agent.running).toBe(true);
  });

  it('garbage before the first line is a garbage fault; the process still becomes ready', async () => {
    const agent = await start(config(), { FAKE_CLAUDE_FAULT: 'garbage-on-start' });
    const { next } = collect(agent);
    expect(await next('fault')).toMatchObject({ fault: 'garbage' });
    expect(await next('ready')).toMatchObject({ sessionId: agent.sessionId });
  });

  it('a non-zero exit is an exit fault with the code and the tail of stderr', async () => {
    const agent = await start(config());
    const { next } = collect(agent);
    agent.send('::exit 3');
    expect(await next('fault')).toMatchObject({ fault: 'exit', exitCode: 3, detail: 'exited with code 3: fake-claude: exiting with 3' });
    const exited = await next('exited');
    expect(exited.exit).toMatchObject({ code: 3, signal: null, requested: false });
    expect(exited.exit.stderrTail).toContain('exiting with 3');
  });

  it('death by signal is a crash fault', async () => {
    const agent = await start(config());
    const { next } = collect(agent);
    agent.send('::crash');
    expect(await next('fault')).toMatchObject({ fault: 'crash', signal: 'SIGKILL' });
    expect(agent.send('again')._unsafeUnwrapErr().kind).toMatch(/NotRunning|StdinClosed/);
  });

  it('a huge line without newline is a garbage fault, not unbounded memory', async () => {
    const agent = await start(config({}, { limits: { maxLineBytes: 64 * 1024 } }));
    const { next } = collect(agent);
    agent.send('::huge 2000000');
    expect(await next('protocol_error')).toMatchObject({ reason: 'line_too_long' });
    expect(await next('fault')).toMatchObject({ fault: 'garbage' });
  });

  it('a turn past turn_timeout is interrupted: turn_timeout event, then an error result', async () => {
    const agent = await start(config({ turn_timeout: 300, stall_timeout: 2_000 }));
    const { next } = collect(agent);
    agent.send('::slow 100 a reply that takes well over a second to stream in sixteen char chunks');
    // Timers may fire a millisecond before Date.now() says the full delay has passed.
    expect((await next('turn_timeout')).elapsedMs).toBeGreaterThanOrEqual(290);
    expect(await next('result')).toMatchObject({ isError: true });
  });

  it('a crash at start fails the start with the stderr line', async () => {
    const result = await startAgent(config(), newConversation('acme', { env: { FAKE_CLAUDE_FAULT: 'crash-on-start' } }));
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'StartFailed', reason: 'exit', exitCode: 1, detail: 'fake-claude: crashing on start' });
  });
});
