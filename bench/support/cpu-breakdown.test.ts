import { describe, expect, it } from 'vitest';
import { componentOf, cpuBreakdown, formatBreakdown, type CpuProfile } from './cpu-breakdown.js';

const frame = (id: number, functionName: string, url: string) => ({ id, callFrame: { functionName, url } });

describe('cpuBreakdown', () => {
  it('gives each sample to its component and leaves idle time out of the shares', () => {
    const profile: CpuProfile = {
      nodes: [
        frame(1, '(idle)', ''),
        frame(2, 'microstep', 'file:///app/node_modules/xstate/dist/raise.cjs.js'),
        frame(3, 'sealData', 'file:///app/src/store/encryption/envelope.ts'),
        frame(4, 'run', ''),
        frame(5, 'applyPoolStatus', 'file:///app/projections/pool-status.ts'),
      ],
      samples: [1, 2, 2, 3, 4, 5, 1],
      timeDeltas: [100, 10, 10, 10, 10, 10, 100],
    };
    expect(cpuBreakdown(profile)).toEqual([
      { component: 'XState (machine transitions)', share: 0.4 },
      { component: 'encryption at rest', share: 0.2 },
      { component: 'SQLite (native statements and commits)', share: 0.2 },
      { component: 'projections', share: 0.2 },
    ]);
  });

  it('tells a project file from a package file in a folder of the same name', () => {
    expect(componentOf('file:///app/src/store/core/decode.ts', 'decodeEvent')).toBe('event store (validation, JSON, batching, tail)');
    expect(componentOf('file:///app/node_modules/some-lib/src/store/x.js', 'f')).toBe('other');
    expect(componentOf('node:internal/crypto/cipher', 'update')).toBe('encryption at rest');
    expect(componentOf('', '(garbage collector)')).toBe('garbage collection');
  });

  it('prints each share with its part of the CPU per message', () => {
    expect(formatBreakdown([{ component: 'projections', share: 0.25 }], 400)).toEqual(['  cpu share  25.0%  ≈ 100 µs/message  projections']);
  });
});
