import { describe, expect, it } from 'vitest';
import { parseFigures } from './figures.js';
import { buildTable, renderMarkdown, TARGETS } from './targets.js';

const row = (rows: ReturnType<typeof buildTable>, id: string) => rows.find((r) => r.id === id);

describe('the targets table', () => {
  it('has one row per target, "not measured" when no figure came', () => {
    const rows = buildTable([]);
    expect(rows.map((r) => r.id)).toEqual(Object.keys(TARGETS));
    expect(rows.every((r) => r.verdict === '—' && r.measuredText === 'not measured')).toBe(true);
  });

  it('passes a row only when every checkable target holds (seed and ours)', () => {
    const rows = buildTable([
      { id: 'latency.1000', value: 4.2 },
      { id: 'latency.5000', value: 20 },
      { id: 'ws.cpu', value: 428, raw: 15.8 },
    ]);
    expect(row(rows, 'latency.1000')?.verdict).toBe('PASS');
    // Within the seed's 50 ms but not our 5 ms.
    expect(row(rows, 'latency.5000')?.verdict).toBe('FAIL');
    expect(row(rows, 'ws.cpu')?.verdict).toBe('FAIL');
    expect(row(rows, 'ws.cpu')?.ratioToRaw).toBeCloseTo(27.09, 2);
    expect(row(rows, 'ws.cpu')?.rawText).toBe('27× (raw 16)');
  });

  it('says n/a when no target of the row can be checked here, and uses the benchmark\'s verdict where it decides', () => {
    const rows = buildTable([
      { id: 'fanout.cpu', value: 8, raw: 5 },
      { id: 'churn.heap', value: 600, met: true },
      { id: 'agent.p50', value: 13 },
    ]);
    expect(row(rows, 'fanout.cpu')?.verdict).toBe('n/a');
    expect(row(rows, 'churn.heap')?.verdict).toBe('PASS');
    expect(row(rows, 'agent.p50')?.verdict).toBe('n/a');
    expect(buildTable([{ id: 'churn.heap', value: 100, met: false }]).find((r) => r.id === 'churn.heap')?.verdict).toBe('FAIL');
  });

  it('reads back the figures a benchmark printed, the last of an id winning', () => {
    const output = ['noise', 'figure: {"id":"restart.median","value":2500}', 'figure: {"id":"restart.median","value":1900}'].join('\n');
    const figures = parseFigures(output);
    expect(figures).toHaveLength(2);
    expect(row(buildTable(figures), 'restart.median')?.verdict).toBe('PASS');
    expect(renderMarkdown(buildTable(figures), '# t')).toContain('| Restart over 1M events: ready (median) | — | ≤2 s | 1,900 ms | — | PASS |');
  });
});
