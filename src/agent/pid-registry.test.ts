import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { PidRegistry } from './pid-registry.js';
import { readStat } from './process-group.js';
import { currentProcess } from './process-identity.js';

describe('PidRegistry', () => {
  const dirs: string[] = [];
  const stateDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'aicli-pids-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('reads a corrupt file as empty and rewrites it whole', () => {
    const dir = stateDir();
    writeFileSync(join(dir, 'agent-pids.json'), '{not json');
    const registry = PidRegistry.open(dir, currentProcess())._unsafeUnwrap();
    expect(registry.records()).toEqual([]);
    registry.add({ pid: 2 ** 30, command: '/bin/claude', sessionId: 's', tenantId: 't', startedAt: 1 });
    expect(JSON.parse(readFileSync(join(dir, 'agent-pids.json'), 'utf8'))).toEqual([
      { pid: 2 ** 30, command: '/bin/claude', sessionId: 's', tenantId: 't', startedAt: 1, startTime: null, owner: currentProcess() },
    ]);
  });

  it('skips records whose process is gone, and empties itself after reaping', async () => {
    const dir = stateDir();
    const registry = PidRegistry.open(dir, currentProcess())._unsafeUnwrap();
    registry.add({ pid: 2 ** 30, command: '/bin/claude', sessionId: 's', tenantId: 't', startedAt: 1 });
    expect((await registry.reapOrphans(10))._unsafeUnwrap()).toEqual({ killed: [], skipped: [{ pid: 2 ** 30, reason: 'gone' }] });
    expect(PidRegistry.open(dir, currentProcess())._unsafeUnwrap().records()).toEqual([]);
  });
});

describe('PidRegistry ownership and process identity', () => {
  const dirs: string[] = [];
  const sleepers: ChildProcess[] = [];
  afterEach(() => {
    dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
    sleepers.splice(0).forEach((child) => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  });
  const stateDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'aicli-pids-'));
    dirs.push(dir);
    return dir;
  };
  /** A stranger process in its own group, as agents are: `sleep 30`. */
  const sleeper = async (): Promise<number> => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    sleepers.push(child);
    await once(child, 'spawn');
    return child.pid!;
  };
  const alive = (pid: number) => {
    const stat = readStat(pid);
    return stat !== undefined && stat.state !== 'Z';
  };
  const self = currentProcess();
  const gone = { pid: 2 ** 30, startTime: 1, bootId: self.bootId };
  const write = (dir: string, records: unknown[]) => writeFileSync(join(dir, 'agent-pids.json'), JSON.stringify(records));

  it('does not kill a process that now holds a recorded PID but started at another time (PID reused)', async () => {
    const dir = stateDir();
    const pid = await sleeper();
    const startTime = readStat(pid)!.startTime;
    write(dir, [{ pid, command: 'sleep', sessionId: '30', tenantId: 't', startedAt: 1, startTime: startTime + 1, owner: gone }]);
    const report = (await PidRegistry.open(dir, self)._unsafeUnwrap().reapOrphans(10))._unsafeUnwrap();
    expect(report).toEqual({ killed: [], skipped: [{ pid, reason: 'pid_reused' }] });
    expect(alive(pid)).toBe(true);
  });

  it('reaps an agent left by a server that is no longer running when its start time matches', async () => {
    const dir = stateDir();
    const pid = await sleeper();
    write(dir, [{ pid, command: 'sleep', sessionId: '30', tenantId: 't', startedAt: 1, startTime: readStat(pid)!.startTime, owner: gone }]);
    const report = (await PidRegistry.open(dir, self)._unsafeUnwrap().reapOrphans(1_000))._unsafeUnwrap();
    expect(report).toEqual({ killed: [pid], skipped: [] });
    expect(alive(pid)).toBe(false);
  });

  it('refuses to open a registry whose agents belong to a server that is still running, and touches none of them', async () => {
    const dir = stateDir();
    const serverPid = await sleeper();
    const agentPid = await sleeper();
    const owner = { pid: serverPid, startTime: readStat(serverPid)!.startTime, bootId: self.bootId };
    write(dir, [{ pid: agentPid, command: 'sleep', sessionId: '30', tenantId: 't', startedAt: 1, startTime: readStat(agentPid)!.startTime, owner }]);
    expect(PidRegistry.open(dir, self)._unsafeUnwrapErr()).toMatchObject({ kind: 'RegistryInUse', owner: { pid: serverPid } });
    expect(alive(agentPid)).toBe(true);
  });

  it('leaves alone the PIDs recorded before a reboot (another boot id)', async () => {
    const dir = stateDir();
    const pid = await sleeper();
    const previousBoot = { ...gone, bootId: 'another-boot' };
    write(dir, [{ pid, command: 'sleep', sessionId: '30', tenantId: 't', startedAt: 1, startTime: readStat(pid)!.startTime, owner: previousBoot }]);
    const report = (await PidRegistry.open(dir, self)._unsafeUnwrap().reapOrphans(10))._unsafeUnwrap();
    expect(report).toEqual({ killed: [], skipped: [{ pid, reason: 'gone' }] });
    expect(alive(pid)).toBe(true);
  });

  it('records each process with its start time and this server as its owner', async () => {
    const dir = stateDir();
    const pid = await sleeper();
    PidRegistry.open(dir, self)._unsafeUnwrap().add({ pid, command: 'sleep', sessionId: '30', tenantId: 't', startedAt: 5 })._unsafeUnwrap();
    expect(JSON.parse(readFileSync(join(dir, 'agent-pids.json'), 'utf8'))).toEqual([
      { pid, command: 'sleep', sessionId: '30', tenantId: 't', startedAt: 5, startTime: readStat(pid)!.startTime, owner: self },
    ]);
  });
});
