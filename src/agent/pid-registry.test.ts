import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PidRegistry } from './pid-registry.js';

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
    const registry = PidRegistry.open(dir)._unsafeUnwrap();
    expect(registry.records()).toEqual([]);
    registry.add({ pid: 4242, command: '/bin/claude', sessionId: 's', tenantId: 't', startedAt: 1 });
    expect(JSON.parse(readFileSync(join(dir, 'agent-pids.json'), 'utf8'))).toEqual([{ pid: 4242, command: '/bin/claude', sessionId: 's', tenantId: 't', startedAt: 1 }]);
  });

  it('skips records whose process is gone, and empties itself after reaping', async () => {
    const dir = stateDir();
    const registry = PidRegistry.open(dir)._unsafeUnwrap();
    registry.add({ pid: 2 ** 30, command: '/bin/claude', sessionId: 's', tenantId: 't', startedAt: 1 });
    expect((await registry.reapOrphans(10))._unsafeUnwrap()).toEqual({ killed: [], skipped: [{ pid: 2 ** 30, reason: 'gone' }] });
    expect(PidRegistry.open(dir)._unsafeUnwrap().records()).toEqual([]);
  });
});
