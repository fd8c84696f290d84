import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { childProcesses, compareCensus, processGroupsAlive } from './process-census.js';

describe('childProcesses / processGroupsAlive', () => {
  const children: ChildProcess[] = [];
  const startSleep = async (): Promise<number> => {
    const child = spawn('sleep', ['5'], { detached: true, stdio: 'ignore' });
    children.push(child);
    await once(child, 'spawn');
    return child.pid!;
  };
  const kill = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
  };
  afterEach(async () => {
    await Promise.all(children.splice(0).map(kill));
  });

  it('lists detached children in their own process group, with their command line', async () => {
    const pids = [await startSleep(), await startSleep()];
    const census = childProcesses();
    for (const pid of pids) {
      const child = census.find((entry) => entry.pid === pid);
      expect(child?.pgid).toBe(pid);
      // Right after spawn the child may not have exec'd yet: its cmdline is then still this Node process's.
      expect(child?.cmdline.length).toBeGreaterThan(0);
    }
    expect(census.map((entry) => entry.pid)).toEqual([...census.map((entry) => entry.pid)].sort((a, b) => a - b));
    await vi.waitFor(() => expect(childProcesses().find((entry) => entry.pid === pids[0])?.cmdline).toEqual(['sleep', '5']));
    expect(childProcesses(2 ** 30)).toEqual([]);
  });

  it('drops a child once it has exited and been reaped', async () => {
    const pid = await startSleep();
    await kill(children[0]!);
    expect(childProcesses().some((entry) => entry.pid === pid)).toBe(false);
    expect(processGroupsAlive([pid])).toEqual(new Set());
  });

  it('reports which groups still have a live member', async () => {
    const a = await startSleep();
    const b = await startSleep();
    expect(processGroupsAlive([a, b, 2 ** 30])).toEqual(new Set([a, b]));
    await kill(children[1]!);
    expect(processGroupsAlive(new Set([a, b]))).toEqual(new Set([a]));
    expect(processGroupsAlive([])).toEqual(new Set());
  });
});

describe('compareCensus', () => {
  it('lists untracked and missing ids, sorted', () => {
    expect(compareCensus(new Set([5, 1, 3]), new Set([3, 9, 2]))).toEqual({ untracked: [2, 9], missing: [1, 5] });
  });

  it('partitions the symmetric difference', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: 50 })), fc.uniqueArray(fc.nat({ max: 50 })), (ownedList, actualList) => {
        const owned = new Set(ownedList);
        const actual = new Set(actualList);
        const { untracked, missing } = compareCensus(owned, actual);
        expect(untracked).toEqual(actualList.filter((id) => !owned.has(id)).sort((a, b) => a - b));
        expect(missing).toEqual(ownedList.filter((id) => !actual.has(id)).sort((a, b) => a - b));
        if (untracked.length === 0 && missing.length === 0) expect(owned).toEqual(actual);
      }),
    );
  });
});
