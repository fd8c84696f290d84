/**
 * Figures for the table that `npm run bench` ends with: a benchmark reports each measured figure of
 * `targets.ts` with {@link reportFigure}; when run by `bench/run.ts` (which sets `BENCH_FIGURES=1`) that prints
 * one `figure: {json}` line, which the runner collects with {@link parseFigures}. Run alone, a benchmark prints
 * only its own lines.
 */
import type { FigureId } from './targets.js';

/** One measured figure. */
export interface Figure {
  readonly id: FigureId;
  /** In the unit of its target (see `targets.ts`). */
  readonly value: number;
  /** The raw limit measured in the same run, in the same unit (the table shows value / raw). */
  readonly raw?: number;
  /** What else to read beside it (one short phrase). */
  readonly detail?: string;
  /** For targets that are not a bound on `value` (churn "flat"): whether the figure met it. */
  readonly met?: boolean;
}

const PREFIX = 'figure: ';

/** Prints `figure` for the runner's table (only under `bench/run.ts`). */
export function reportFigure(figure: Figure): void {
  if (process.env['BENCH_FIGURES'] === '1') console.log(`${PREFIX}${JSON.stringify(figure)}`);
}

/** The figures printed in `output`, in order (a later one with the same id replaces an earlier one). */
export function parseFigures(output: string): Figure[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith(PREFIX))
    .map((line) => JSON.parse(line.slice(PREFIX.length)) as Figure);
}

/** Whether `line` is a figure line (the runner's summary leaves them out: the table shows them). */
export function isFigureLine(line: string): boolean {
  return line.startsWith(PREFIX);
}
