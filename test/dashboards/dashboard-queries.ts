/**
 * The Grafana dashboards of `grafana/` as the tests read them: every panel (rows' panels included), every query
 * with its panel's title, and Grafana's variables replaced by values Prometheus accepts. Shared by the static check
 * (test/grafana) and the proof against a real Prometheus (test/dashboards/run.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config/index.js';

export type Json = Record<string, unknown>;
export type Panel = Json & { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets?: (Json & { expr?: string; refId: string })[] };

/** Every dashboard file of `grafana/`, parsed. */
export function loadDashboards(): { readonly file: string; readonly text: string; readonly json: Json }[] {
  const dir = join(PACKAGE_ROOT, 'grafana');
  return readdirSync(dir)
    .filter((file) => file.endsWith('-dashboard.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      return { file, text, json: JSON.parse(text) as Json };
    });
}

/** The dashboard's panels, with those inside rows. */
export function panelsOf(dashboard: Json): Panel[] {
  return ((dashboard['panels'] as Panel[] | undefined) ?? []).flatMap((panel) => [panel, ...((panel['panels'] as Panel[] | undefined) ?? [])]);
}

/** Every query of the dashboard, with its panel's title. */
export function exprsOf(dashboard: Json): { panel: string; expr: string }[] {
  return panelsOf(dashboard).flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr ?? '' })));
}

/** Grafana's interval variables as durations (`$__rate_interval`, `$__interval`, `$__range`). */
export interface GrafanaIntervals {
  readonly rateInterval: string;
  readonly interval: string;
  readonly range: string;
}

/** Replaces Grafana's interval variables with `intervals`; `$var` in label values stays unless `labels` gives a value. */
export function substituteGrafanaVariables(expr: string, intervals: GrafanaIntervals, labels: Readonly<Record<string, string>> = {}): string {
  let text = expr.replaceAll('$__rate_interval', intervals.rateInterval).replaceAll('$__interval', intervals.interval).replaceAll('$__range', intervals.range);
  for (const [name, value] of Object.entries(labels)) text = text.replaceAll(`$${name}`, value);
  return text;
}
