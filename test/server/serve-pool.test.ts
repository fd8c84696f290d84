import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { readStat } from '../../src/agent/process-group.js';
import { runCli, startServerProcess } from '../support/server-process.js';

/** Live descendants of `pid` (children and grandchildren), from /proc. */
function descendants(pid: number): number[] {
  const all = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number);
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = all.filter((candidate) => {
      const stat = readStat(candidate);
      return stat !== undefined && stat.state !== 'Z' && frontier.includes(stat.ppid);
    });
    found.push(...next);
    frontier = next;
  }
  return found;
}

async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

describe('aicli-api serve with the session pool', () => {
  it('--agent=fake prewarms min_size agents and leaves no process behind after SIGTERM', async () => {
    const server = await startServerProcess(['--agent=fake', '--set', 'session_pool.min_size=2']);
    const pid = server.child.pid!;
    expect(await eventually(() => descendants(pid).length >= 2)).toBe(true);
    const agents = descendants(pid);
    expect(await eventually(() => server.stdout().includes('session pool ready'))).toBe(true);
    expect(await server.stop('SIGTERM')).toBe(0);
    const alive = agents.filter((agent) => {
      const stat = readStat(agent);
      return stat !== undefined && stat.state !== 'Z';
    });
    expect(alive).toEqual([]);
  });

  it('refuses an unknown --agent with exit code 2', async () => {
    const run = runCli(['--agent=gpt', '--port', '0', '--store', 'memory:']);
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toContain('--agent gpt: expected claude or fake');
  });

  it('refuses --inspect in production and stops with exit code 1', async () => {
    const run = runCli(['--agent=fake', '--inspect', '--port', '0', '--store', 'memory:'], { NODE_ENV: 'production' });
    expect(await run.exited).toBe(1);
    expect(run.output().stdout).toContain('the inspector is for development');
  });
});
