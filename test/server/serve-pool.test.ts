import { describe, expect, it } from 'vitest';
import { descendants, eventually, isAlive } from '../support/processes.js';
import { runCli, startServerProcess } from '../support/server-process.js';

describe('aicli-api serve with the session pool', () => {
  it('--agent=fake prewarms min_size agents and leaves no process behind after SIGTERM', async () => {
    const server = await startServerProcess(['--agent=fake', '--set', 'session_pool.min_size=2']);
    const pid = server.child.pid!;
    expect(await eventually(() => descendants(pid).length >= 2)).toBe(true);
    const agents = descendants(pid);
    expect(await eventually(() => server.stdout().includes('session pool ready'))).toBe(true);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(agents.filter(isAlive)).toEqual([]);
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
