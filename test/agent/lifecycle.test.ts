import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAgentRunner, describeAgentError, groupMembers, PidRegistry, spawnAgent, startAgent, type AgentRunnerConfig } from '../../src/agent/index.js';
import { collect, newConversation, runnerConfig, useAgentHarness } from './support.js';

describe('agent runner: lifecycle, resume, isolation and orphans', () => {
  const { track, root } = useAgentHarness();

  async function start(runner: AgentRunnerConfig, options = newConversation()) {
    return track((await startAgent(runner, options))._unsafeUnwrap());
  }

  it('a missing binary is a typed error naming agent.command and the PATH searched', async () => {
    const result = await spawnAgent({ ...runnerConfig(root(), { command: 'no-such-claude-binary' }), pathVariable: '/nowhere:/neither' }, newConversation());
    const error = result._unsafeUnwrapErr();
    expect(error).toEqual({ kind: 'AgentCommandNotFound', command: 'no-such-claude-binary', reason: 'not found on PATH', searched: '/nowhere:/neither' });
    expect(describeAgentError(error)).toBe('agent.command "no-such-claude-binary": not found on PATH (searched PATH=/nowhere:/neither)');
  });

  it('rejects unsafe tenant ids and non-UUID session ids before spawning', async () => {
    const runner = runnerConfig(root());
    for (const tenantId of ['../etc', 'a/b', '.hidden', '', 'x'.repeat(200)]) {
      expect((await spawnAgent(runner, newConversation(tenantId)))._unsafeUnwrapErr().kind).toBe('InvalidTenantId');
    }
    const bad = await spawnAgent(runner, { tenantId: 'acme', conversation: { mode: 'new', sessionId: 'not-a-uuid' } });
    expect(bad._unsafeUnwrapErr().kind).toBe('InvalidLaunchOptions');
    expect((await spawnAgent(runner, newConversation('acme', { workdir: '../../x' })))._unsafeUnwrapErr().kind).toBe('InvalidLaunchOptions');
  });

  it('resumes after a crash with --resume: the transcript survives', async () => {
    const runner = runnerConfig(root());
    const options = newConversation('acme', { workdir: 'project-a' });
    const first = await start(runner, options);
    const one = collect(first);
    first.send('remember the word kumquat');
    await one.next('result');
    first.send('::crash');
    expect(await one.next('fault')).toMatchObject({ fault: 'crash' });

    const second = await start(runner, { ...options, conversation: { mode: 'resume', sessionId: options.conversation.sessionId } });
    const two = collect(second);
    second.send('::history');
    const init = await two.next('init');
    expect(init.sessionId).toBe(options.conversation.sessionId);
    expect((await two.next('result')).result).toContain('remember the word kumquat');
  });

  it('resuming an unknown session id is a typed ResumeFailed error with the CLI errors', async () => {
    const options = newConversation();
    const result = await startAgent(runnerConfig(root()), { ...options, conversation: { mode: 'resume', sessionId: options.conversation.sessionId } });
    expect(result._unsafeUnwrapErr()).toEqual({
      kind: 'ResumeFailed',
      sessionId: options.conversation.sessionId,
      errors: [`No conversation found with session ID: ${options.conversation.sessionId}`],
    });
  });

  it('forks with --fork-session at an assistant message uuid: the fork has the history up to it, the parent keeps all of it', async () => {
    const runner = runnerConfig(root());
    const parent = newConversation('acme', { workdir: 'project-f' });
    const first = await start(runner, parent);
    const seen = collect(first);
    const uuids: string[] = [];
    for (const text of ['one', 'two', 'three']) {
      first.send(text);
      uuids.push((await seen.next('assistant', (event) => event.text === `echo: ${text}`)).uuid ?? '');
      await seen.next('result');
    }
    await first.stop();
    const parentId = parent.conversation.sessionId;
    const fork = newConversation('acme', { workdir: 'project-f' });
    const forked = await start(runner, { ...fork, conversation: { mode: 'fork', sessionId: fork.conversation.sessionId, parentSessionId: parentId, atMessageUuid: uuids[1]! } });
    const inFork = collect(forked);
    forked.send('::history');
    expect((await inFork.next('init')).sessionId).toBe(fork.conversation.sessionId);
    expect((await inFork.next('result')).result).toBe('history: one | two | ::history');
    await forked.stop();

    const resumed = await start(runner, { ...parent, conversation: { mode: 'resume', sessionId: parentId } });
    const inParent = collect(resumed);
    resumed.send('::history');
    expect((await inParent.next('result')).result).toBe('history: one | two | three | ::history');
  });

  it('forking at a message the conversation does not have is a typed ResumeFailed error with the CLI error', async () => {
    const runner = runnerConfig(root());
    const parent = newConversation();
    const first = await start(runner, parent);
    const seen = collect(first);
    first.send('one');
    await seen.next('result');
    await first.stop();
    const fork = newConversation();
    const unknown = '0b6c3a52-5d1e-4f61-9f41-0c1e6d2a7b33';
    const result = await startAgent(runner, { ...fork, conversation: { mode: 'fork', sessionId: fork.conversation.sessionId, parentSessionId: parent.conversation.sessionId, atMessageUuid: unknown } });
    expect(result._unsafeUnwrapErr()).toEqual({ kind: 'ResumeFailed', sessionId: fork.conversation.sessionId, errors: [`No message found with message.uuid of: ${unknown}`] });
  });

  it('escalates SIGTERM to SIGKILL after kill_grace for a process that ignores both stdin end and SIGTERM', async () => {
    const runner = runnerConfig(root(), { kill_grace: 150 });
    const agent = await start(runner, newConversation('acme', { env: { FAKE_CLAUDE_FAULT: 'ignore-sigterm,ignore-stdin-end' } }));
    const started = Date.now();
    const exit = await agent.stop();
    expect(exit).toMatchObject({ signal: 'SIGKILL', requested: true });
    expect(exit.stderrTail).toContain('ignoring SIGTERM');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('keeps tenants apart: separate CLAUDE_CONFIG_DIR, HOME, working directories and transcripts', async () => {
    const tenantsRoot = root();
    const runner = runnerConfig(tenantsRoot);
    const replies: string[] = [];
    for (const tenantId of ['tenant-a', 'tenant-b']) {
      const agent = await start(runner, newConversation(tenantId));
      const { next } = collect(agent);
      agent.send('::env');
      replies.push((await next('result')).result ?? '');
      await agent.stop();
    }
    const base = join(tenantsRoot, 'tenants');
    expect(replies[0]).toBe(`env: ${join(base, 'tenant-a', 'config')} ${join(base, 'tenant-a', 'config')} ${join(base, 'tenant-a', 'work')}`);
    expect(replies[1]).toBe(`env: ${join(base, 'tenant-b', 'config')} ${join(base, 'tenant-b', 'config')} ${join(base, 'tenant-b', 'work')}`);
    const transcripts = (tenantId: string) => readdirSync(join(base, tenantId, 'config', 'projects')).flatMap((dir) => readdirSync(join(base, tenantId, 'config', 'projects', dir)));
    expect(transcripts('tenant-a')).toHaveLength(1);
    expect(transcripts('tenant-b')).toHaveLength(1);
    expect(transcripts('tenant-a')).not.toEqual(transcripts('tenant-b'));
  });

  it('reaps orphans recorded in the PID registry by a previous server, and never a reused PID', async () => {
    const stateDir = join(root(), 'state');
    const registry = PidRegistry.open(stateDir)._unsafeUnwrap();
    const runner = runnerConfig(root(), {}, { registry });
    const orphan = await start(runner);
    orphan.send('::spawn-child');
    await collect(orphan).next('result');
    expect(groupMembers(orphan.pid).length).toBeGreaterThanOrEqual(2);
    // A stale record whose PID now belongs to someone else (this test process, which started at another time
    // than the record says): must be left alone.
    registry.add({ pid: process.pid, command: runner.agent.command, sessionId: 'stale', tenantId: 'acme', startedAt: 0 });
    const file = join(stateDir, 'agent-pids.json');
    const records = JSON.parse(readFileSync(file, 'utf8')) as Array<{ pid: number; startTime: number }>;
    writeFileSync(file, JSON.stringify(records.map((record) => (record.pid === process.pid ? { ...record, startTime: record.startTime - 1 } : record))));

    // The "restarted server": a fresh registry read from disk; the old runner object is forgotten.
    const restarted = PidRegistry.open(stateDir)._unsafeUnwrap();
    expect(restarted.records().map((record) => record.pid).sort()).toEqual([orphan.pid, process.pid].sort());
    const report = (await createAgentRunner({ ...runner, registry: restarted }).reapOrphans())._unsafeUnwrap();
    expect(report.killed).toEqual([orphan.pid]);
    expect(report.skipped).toEqual([{ pid: process.pid, reason: 'pid_reused' }]);
    expect(groupMembers(orphan.pid)).toEqual([]);
    expect(PidRegistry.open(stateDir)._unsafeUnwrap().records()).toEqual([]);
    await orphan.exited;
  });

  it('forgets a process in the registry once it exits', async () => {
    const stateDir = join(root(), 'state');
    const registry = PidRegistry.open(stateDir)._unsafeUnwrap();
    const agent = await start(runnerConfig(root(), {}, { registry }));
    expect(registry.records().map((record) => record.pid)).toEqual([agent.pid]);
    await agent.stop();
    expect(PidRegistry.open(stateDir)._unsafeUnwrap().records()).toEqual([]);
  });
});
