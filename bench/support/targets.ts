/**
 * The targets `npm run bench` reports on, in one table: each figure with the product's seed target (the design
 * document's "성능 특성": ≥100 session create/destroy per second, ≥1,000 messages/s, ≤100 ms average response,
 * ≤50 ms WebSocket latency, 1,000 concurrent sessions, ≤1 MB per session, no leaks), our target (issue 12's),
 * the measured value, its ratio to the raw limit measured in the same run where there is one, and a verdict:
 * PASS when every checkable target of the row is met, FAIL when one is not, `n/a` when no target of the row can
 * be checked from this bench alone, `—` when it was not measured. Rendered as text, Markdown and JSON.
 */
import type { Figure } from './figures.js';

/** A target: how it reads, and the check when it is a bound on the figure (absent: not checkable here). */
interface Bound {
  readonly text: string;
  readonly holds?: (value: number, figure: Figure) => boolean;
}

const atLeast = (limit: number, text: string): Bound => ({ text, holds: (value) => value >= limit });
const atMost = (limit: number, text: string): Bound => ({ text, holds: (value) => value <= limit });
/** A target whose verdict the benchmark decided (`figure.met`). */
const decided = (text: string): Bound => ({ text, holds: (_value, figure) => figure.met === true });

/** One row of the table. */
interface Target {
  readonly figure: string;
  readonly unit: string;
  /** How many decimals to print (default 0). */
  readonly decimals?: number;
  readonly seed?: Bound;
  readonly ours?: Bound;
  /** Where the figure is measured. */
  readonly source: string;
}

export const TARGETS = {
  'ws.rate': {
    figure: 'WS, 256 sessions, durable (3 appends/msg): throughput',
    unit: 'messages/s',
    seed: atLeast(1_000, '≥1,000 messages/s'),
    ours: atLeast(10_000, '≥10,000 messages/s'),
    source: 'bench/messages.ts',
  },
  'ws.cpu': {
    figure: 'WS, 256 sessions: server CPU per message',
    unit: 'µs',
    ours: atMost(100, '≤100 µs'),
    source: 'bench/messages.ts',
  },
  'ws.multiple': {
    figure: 'WS server CPU/message ÷ raw uWS echo (same run)',
    unit: '×',
    decimals: 1,
    ours: atMost(6, '≤6× (was 27×)'),
    source: 'bench/messages.ts',
  },
  'agent.cpu': {
    figure: 'Agent path (fake claude), 20 sessions: server CPU/msg',
    unit: 'µs',
    ours: atMost(200, '≤200 µs (was 636 µs)'),
    source: 'bench/messages.ts',
  },
  'agent.children': {
    figure: '… the fake claude processes\' CPU/msg',
    unit: 'µs',
    source: 'bench/messages.ts',
  },
  'agent.rate': {
    figure: '… throughput (send→TurnCompleted→send)',
    unit: 'messages/s',
    source: 'bench/messages.ts',
  },
  'agent.p50': {
    figure: '… send→TurnCompleted p50',
    unit: 'ms',
    decimals: 2,
    source: 'bench/messages.ts',
  },
  'agent.mean': {
    figure: '… send→TurnCompleted mean',
    unit: 'ms',
    decimals: 2,
    seed: atMost(100, 'average ≤100 ms'),
    source: 'bench/messages.ts',
  },
  'fanout.rate': {
    figure: 'Fan-out, 1,000 conns on 100 sessions: deliveries',
    unit: 'deliveries/s',
    source: 'bench/ws.ts',
  },
  'fanout.cpu': {
    figure: 'Fan-out: server CPU per extra delivery',
    unit: 'µs',
    decimals: 1,
    ours: { text: '≥1.4× cheaper than a send loop (next row)' },
    source: 'bench/ws.ts',
  },
  'fanout.vsLoop': {
    figure: 'Fan-out: per-socket send loop ÷ uWS topics, CPU per delivery',
    unit: '×',
    decimals: 2,
    ours: atLeast(1.4, '≥1.4×'),
    source: 'bench/ws.ts',
  },
  'latency.1000': {
    figure: 'WS send→ack p99, open loop 1,000 msg/s, 1,000 conns',
    unit: 'ms',
    decimals: 2,
    seed: atMost(50, 'WS latency ≤50 ms'),
    ours: atMost(5, 'p99 ≤5 ms'),
    source: 'bench/ws.ts',
  },
  'latency.5000': {
    figure: 'WS send→ack p99, open loop 5,000 msg/s, 1,000 conns',
    unit: 'ms',
    decimals: 2,
    seed: atMost(50, 'WS latency ≤50 ms'),
    ours: atMost(5, 'p99 ≤5 ms'),
    source: 'bench/ws.ts',
  },
  'pool.createDestroy': {
    figure: 'Session create/destroy, warm pool (fake claude)',
    unit: 'pairs/s',
    seed: atLeast(100, '≥100/s'),
    ours: atLeast(1_000, '≥1,000/s'),
    source: 'bench/pool.ts',
  },
  'pool.concurrent': {
    figure: 'Concurrent resident sessions (heap run)',
    unit: 'sessions',
    seed: atLeast(1_000, '1,000 sessions'),
    source: 'bench/pool.ts',
  },
  'pool.resident': {
    figure: 'Heap per resident session (largest run)',
    unit: 'KB',
    decimals: 1,
    seed: atMost(1_024, '≤1 MB per session'),
    ours: atMost(50, '≤50 KB'),
    source: 'bench/pool.ts',
  },
  'pool.hibernated': {
    figure: 'Heap per hibernated session (largest run)',
    unit: 'KB',
    decimals: 1,
    ours: atMost(5, '≤5 KB'),
    source: 'bench/pool.ts',
  },
  'churn.heap': {
    figure: 'Churn: heap growth (fds, children must not grow)',
    unit: 'KB',
    seed: decided('no leaks'),
    ours: decided('flat (heap <2 MB, fds, children)'),
    source: 'bench/churn.ts',
  },
  'restart.median': {
    figure: 'Restart over 1M events: ready (median)',
    unit: 'ms',
    ours: atMost(2_000, '≤2 s'),
    source: 'bench/restart.ts',
  },
} as const satisfies Record<string, Target>;

/** The id of a figure the table has a row for. */
export type FigureId = keyof typeof TARGETS;

/** One rendered row. */
export interface TableRow {
  readonly id: FigureId;
  readonly figure: string;
  readonly seedTarget: string;
  readonly ourTarget: string;
  readonly measured: number | null;
  readonly unit: string;
  readonly measuredText: string;
  readonly ratioToRaw: number | null;
  readonly rawText: string;
  readonly verdict: 'PASS' | 'FAIL' | 'n/a' | '—';
  readonly detail: string;
  readonly source: string;
}

function formatNumber(value: number, decimals: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** The table's rows, one per target, from the figures collected (the last figure of an id counts). */
export function buildTable(figures: readonly Figure[]): TableRow[] {
  const byId = new Map(figures.map((figure) => [figure.id, figure]));
  return (Object.entries(TARGETS) as Array<[FigureId, Target]>).map(([id, target]) => {
    const figure = byId.get(id);
    const decimals = target.decimals ?? 0;
    const bounds = [target.seed, target.ours].filter((bound): bound is Bound => bound !== undefined);
    const checkable = bounds.filter((bound) => bound.holds !== undefined);
    let verdict: TableRow['verdict'] = '—';
    if (figure !== undefined) {
      if (checkable.length === 0) verdict = 'n/a';
      else verdict = checkable.every((bound) => bound.holds?.(figure.value, figure) === true) ? 'PASS' : 'FAIL';
    }
    const ratio = figure?.raw !== undefined && figure.raw > 0 ? figure.value / figure.raw : null;
    return {
      id,
      figure: target.figure,
      seedTarget: target.seed?.text ?? '—',
      ourTarget: target.ours?.text ?? '—',
      measured: figure?.value ?? null,
      unit: target.unit,
      measuredText: figure === undefined ? 'not measured' : `${formatNumber(figure.value, decimals)}${target.unit === '×' ? '' : ' '}${target.unit}`,
      ratioToRaw: ratio,
      rawText: ratio === null || figure?.raw === undefined ? '—' : `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}× (raw ${formatNumber(figure.raw, decimals)})`,
      verdict,
      detail: figure?.detail ?? '',
      source: target.source,
    };
  });
}

const COLUMNS = ['figure', 'seed target', 'our target', 'measured', 'ratio to raw', 'verdict'] as const;
const cells = (row: TableRow): string[] => [row.figure, row.seedTarget, row.ourTarget, row.measuredText, row.rawText, row.verdict];

/** The table as fixed-width text for the terminal, details under it. */
export function renderText(rows: readonly TableRow[]): string {
  const all = [COLUMNS as readonly string[], ...rows.map(cells)];
  const widths = COLUMNS.map((_, column) => Math.max(...all.map((line) => (line[column] as string).length)));
  const line = (values: readonly string[]): string => values.map((value, column) => value.padEnd(widths[column] as number)).join(' │ ').trimEnd();
  const details = rows.filter((row) => row.detail !== '').map((row) => `  ${row.figure.replace(/^… /, '')}: ${row.detail}`);
  return [line(all[0] as string[]), widths.map((width) => '─'.repeat(width)).join('─┼─'), ...rows.map((row) => line(cells(row))), '', ...details].join('\n');
}

/** The table as Markdown, with each row's detail and source in a last column. */
export function renderMarkdown(rows: readonly TableRow[], heading: string): string {
  const escape = (text: string): string => text.replace(/\|/g, '\\|');
  const header = `| ${[...COLUMNS, 'detail'].join(' | ')} |\n|${[...COLUMNS, 'detail'].map(() => ' --- ').join('|')}|`;
  const body = rows.map((row) => `| ${[...cells(row), `${row.detail}${row.detail === '' ? '' : '; '}${row.source}`].map(escape).join(' | ')} |`);
  return `${heading}\n\n${header}\n${body.join('\n')}\n`;
}
