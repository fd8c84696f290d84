import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../store/index.js';
import { foldedTo } from './folded-to.js';
import { createProjectionHost } from './projection-host.js';

const counter = { name: 'count', initial: () => 0, apply: (state: number) => state + 1 };

describe('foldedTo', () => {
  it('resolves once the host has folded the position, at once when it already has, false on timeout', async () => {
    const store = new MemoryEventStore();
    const host = createProjectionHost(store, { projections: { count: counter } });
    (await host.start())._unsafeUnwrap();
    const appended = (await store.append('s-1', [{ type: 'Happened', data: {} }], { expectedRevision: 'any' }))._unsafeUnwrap();
    expect(await foldedTo(host, appended.position, 2_000)).toBe(true);
    expect(host.state('count')).toBe(1);
    expect(await foldedTo(host, appended.position, 0)).toBe(true);
    expect(await foldedTo(host, appended.position + 1000n, 20)).toBe(false);
    await host.close();
    await store.close();
  });
});
