/**
 * Contract test against the real Claude Code CLI (devDependency `@anthropic-ai/claude-code`), kept on
 * loopback: an invalid API key and `ANTHROPIC_BASE_URL` pointing at a local server that answers 529, so
 * the CLI starts, prints its init line and retries (`system/api_retry`) without ever reaching a network.
 * Also checks that the pinned CLI takes the flags a fork starts with (`--resume-session-at`, `--fork-session`), and
 * that the fake claude prints lines with the same keys as the real one.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupMembers, readCmdline, startAgent, type AgentRunnerConfig, type AgentLaunchOptions } from '../../src/agent/index.js';
import { collect, FAKE_CLAUDE, leftoverProcesses, newConversation, runnerConfig, tempRoot } from './support.js';
import { startOverloadedApi, type OverloadedApi } from '../support/overloaded-api.js';

const REAL_CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
const present = existsSync(REAL_CLAUDE);
if (!present) console.warn(`real-claude contract test skipped: ${REAL_CLAUDE} is absent (npm install the devDependency @anthropic-ai/claude-code)`);

/** Raw lines of one run, by shape name. */
type Shapes = Partial<Record<'init' | 'api_retry' | 'result_interrupted' | 'result_resume_unknown', Record<string, unknown>>>;

describe.skipIf(!present)('contract: the real Claude Code CLI', () => {
  let api: OverloadedApi;
  const temp = tempRoot();
  const real: Shapes = {};
  const fake: Shapes = {};
  const pgids: number[] = [];

  beforeAll(async () => {
    api = await startOverloadedApi();
  });

  afterAll(async () => {
    await api.close();
    const leftovers = leftoverProcesses(pgids);
    temp.cleanup();
    expect(leftovers).toEqual([]);
  });

  function runner(command: string, shapes: Shapes): AgentRunnerConfig {
    return runnerConfig(temp.root, { command, start_timeout: 15_000, stall_timeout: 15_000, turn_timeout: 25_000, kill_grace: 1_000 }, {
      baseEnv: { PATH: process.env['PATH'] },
      tap: (line) => record(shapes, line),
    });
  }

  function options(extra: Partial<AgentLaunchOptions> = {}): AgentLaunchOptions {
    return newConversation('contract', {
      env: api.env,
      ...extra,
    });
  }

  /**
   * Starts (or resumes), sends a turn, sees init and api_retry, interrupts, then stops gracefully or kills;
   * returns the session id. The CLI flushes its transcript lazily (after the result line), so only a
   * graceful stop guarantees a later `--resume` finds it.
   */
  async function conversation(command: string, shapes: Shapes, text: string, end: 'stop' | 'kill', resume?: string): Promise<string> {
    // `--permission-prompt-tool stdio` (tool approvals) and `--max-budget-usd` as the pool passes a tenant's remaining
    // budget: the CLI must accept both with stream-json input and run as usual.
    const fresh = options({ model: 'sonnet', permissionMode: 'default', permissionPrompt: true, maxBudgetUsd: 5 });
    const launch: AgentLaunchOptions = resume === undefined ? fresh : { ...fresh, conversation: { mode: 'resume', sessionId: resume } };
    const agent = (await startAgent(runner(command, shapes), launch))._unsafeUnwrap();
    pgids.push(agent.pid);
    const argv = readCmdline(agent.pid) ?? [];
    // What the PID registry matches on when reaping orphans.
    expect(argv.slice(0, 2)).toContain(command);
    const sessionFlag = resume === undefined ? '--session-id' : '--resume';
    for (const arg of ['-p', '--input-format', 'stream-json', '--output-format', '--verbose', sessionFlag, launch.conversation.sessionId, '--model', 'sonnet', '--permission-prompt-tool', 'stdio', '--max-budget-usd', '5']) {
      expect(argv).toContain(arg);
    }
    const { next } = collect(agent);
    expect(agent.send(text).isOk()).toBe(true);
    expect((await next('init', undefined, 15_000)).sessionId).toBe(launch.conversation.sessionId);
    const retry = await next('api_retry', undefined, 15_000);
    expect(retry.attempt).toBe(1);
    expect(retry.maxRetries).toBeGreaterThan(0);
    expect(retry).toMatchObject({ errorStatus: 529, error: 'overloaded' });
    agent.interrupt();
    expect(await next('result', undefined, 10_000)).toMatchObject({ isError: true });
    const exit = end === 'stop' ? await agent.stop() : await agent.kill();
    expect(exit).toMatchObject(end === 'stop' ? { requested: true, signal: null } : { requested: true, signal: 'SIGKILL' });
    expect(groupMembers(agent.pid)).toEqual([]);
    expect(readCmdline(agent.pid)).toBeUndefined();
    return launch.conversation.sessionId;
  }

  async function resumeUnknown(command: string, shapes: Shapes): Promise<void> {
    const launch = options();
    const sessionId = launch.conversation.sessionId;
    const result = await startAgent(runner(command, shapes), { ...launch, conversation: { mode: 'resume', sessionId } });
    expect(result._unsafeUnwrapErr()).toEqual({ kind: 'ResumeFailed', sessionId, errors: [`No conversation found with session ID: ${sessionId}`] });
  }

  let realSessionId: string | undefined;

  it('runs with our flags, reports init with our session id and api_retry lines, and stops with nothing left', async () => {
    realSessionId = await conversation(REAL_CLAUDE, real, 'hello', 'stop');
    expect(real.init).toBeDefined();
    expect(real.api_retry).toBeDefined();
  }, 30_000);

  it('resumes that conversation with --resume (same tenant dirs), then is killed with nothing left', async () => {
    expect(realSessionId).toBeDefined();
    expect(await conversation(REAL_CLAUDE, {}, 'hello again', 'kill', realSessionId)).toBe(realSessionId);
  }, 30_000);

  it('surfaces --resume of an unknown id as a typed ResumeFailed error', async () => {
    await resumeUnknown(REAL_CLAUDE, real);
    expect(real.result_resume_unknown).toBeDefined();
  }, 20_000);

  /** Forking `parentId` at a message uuid it does not have: the CLI knows both flags and answers as for an unknown message. */
  async function forkAtUnknown(command: string, parentId: string): Promise<void> {
    const fork = options();
    const unknown = randomUUID();
    const conversation = { mode: 'fork', sessionId: fork.conversation.sessionId, parentSessionId: parentId, atMessageUuid: unknown } as const;
    const result = await startAgent(runner(command, {}), { ...fork, conversation });
    expect(result._unsafeUnwrapErr()).toEqual({ kind: 'ResumeFailed', sessionId: fork.conversation.sessionId, errors: [`No message found with message.uuid of: ${unknown}`] });
  }

  it('accepts --resume-session-at and --fork-session: a fork at a message of the transcript starts under our id, the parent\'s transcript untouched', async () => {
    expect(realSessionId).toBeDefined();
    await forkAtUnknown(REAL_CLAUDE, realSessionId!);
    const transcript = findFile(temp.root, `${realSessionId!}.jsonl`);
    expect(transcript).toBeDefined();
    const before = readFileSync(transcript!, 'utf8');
    // The last message of the conversation (the turns were interrupted: a user line), by its top-level uuid.
    const messages = before.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { type?: string; uuid?: string }).filter((entry) => (entry.type === 'user' || entry.type === 'assistant') && typeof entry.uuid === 'string');
    const at = messages.at(-1)!.uuid!;
    const fork = options();
    const conversation = { mode: 'fork', sessionId: fork.conversation.sessionId, parentSessionId: realSessionId!, atMessageUuid: at } as const;
    const agent = (await startAgent(runner(REAL_CLAUDE, {}), { ...fork, conversation }))._unsafeUnwrap();
    pgids.push(agent.pid);
    expect(readCmdline(agent.pid)).toEqual(expect.arrayContaining(['--resume', realSessionId!, '--resume-session-at', at, '--fork-session', '--session-id', fork.conversation.sessionId]));
    const { next } = collect(agent);
    expect(agent.send('forked').isOk()).toBe(true);
    expect((await next('init', undefined, 15_000)).sessionId).toBe(fork.conversation.sessionId);
    await next('api_retry', undefined, 15_000);
    agent.interrupt();
    await next('result', undefined, 10_000);
    await agent.stop();
    expect(readFileSync(transcript!, 'utf8')).toBe(before);
    expect(findFile(temp.root, `${fork.conversation.sessionId}.jsonl`)).toBeDefined();
  }, 40_000);

  it('refuses --max-budget-usd 0 before starting, and so does the fake (the pool never passes 0)', async () => {
    for (const command of [REAL_CLAUDE, FAKE_CLAUDE]) {
      const started = await startAgent(runner(command, {}), options({ maxBudgetUsd: 0 }));
      // A failed start (which the spawn breaker would count): the CLI's message is on stderr before Bun's trace.
      expect(started._unsafeUnwrapErr(), command).toMatchObject({ kind: 'StartFailed', reason: 'exit', exitCode: 1 });
    }
  }, 20_000);

  it('the fake claude prints the same line shapes (same keys) as the real one', async () => {
    await conversation(FAKE_CLAUDE, fake, 'hello ::api-retry 2 ::slow 200', 'kill');
    await resumeUnknown(FAKE_CLAUDE, fake);
    await forkAtUnknown(FAKE_CLAUDE, await conversation(FAKE_CLAUDE, {}, 'hello ::api-retry 1 ::slow 200', 'stop'));
    for (const shape of ['init', 'api_retry', 'result_interrupted', 'result_resume_unknown'] as const) {
      expect(real[shape], `real ${shape}`).toBeDefined();
      expect(keys(fake[shape]), shape).toEqual(keys(real[shape]));
    }
    expect(keys(fake.result_resume_unknown?.['usage'])).toEqual(keys(real.result_resume_unknown?.['usage']));
  }, 20_000);
});

function record(shapes: Shapes, line: string): void {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const name =
    parsed['type'] === 'system' && parsed['subtype'] === 'init' ? 'init'
    : parsed['type'] === 'system' && parsed['subtype'] === 'api_retry' ? 'api_retry'
    : parsed['type'] === 'result' && parsed['num_turns'] === 0 ? 'result_resume_unknown'
    : parsed['type'] === 'result' ? 'result_interrupted'
    : undefined;
  if (name !== undefined && shapes[name] === undefined) shapes[name] = parsed;
}

/** The path of the first file named `name` under `dir`, depth first. */
function findFile(dir: string, name: string): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return path;
    if (entry.isDirectory()) {
      const found = findFile(path, name);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function keys(value: unknown): string[] {
  return typeof value === 'object' && value !== null ? Object.keys(value).sort() : [];
}
