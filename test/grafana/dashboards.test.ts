/**
 * The Grafana dashboards in `grafana/`: each is an importable dashboard (datasource chosen by a template variable,
 * panels laid out on the grid with units and thresholds), and every PromQL query in it parses and reads only
 * metrics that `createMetrics` registers. `promtool check rules` is run on the queries as well when it is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { exprsOf, loadDashboards, panelsOf, substituteGrafanaVariables as substitute, type Json } from '../dashboards/dashboard-queries.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { measureStoreAppends } from '../../src/observability/store-metrics.js';
import { MemoryEventStore } from '../../src/store/memory/memory-event-store.js';

/** The dashboards, and the metrics each must chart (the product document's promise). */
const DASHBOARDS = {
  'session-pool-dashboard.json': [
    'aicli_session_pool_size',
    'aicli_sessions',
    'aicli_memory_pool_utilization',
    'aicli_websocket_connections',
    'aicli_websocket_dropped_total',
    'aicli_tenant_cost_usd_total',
  ],
  'performance-dashboard.json': [
    'aicli_response_latency_histogram_bucket',
    'aicli_response_latency_histogram_count',
    'aicli_process_cpu_seconds_total',
    'aicli_process_resident_memory_bytes',
    'aicli_nodejs_heap_size_used_bytes',
    'aicli_nodejs_eventloop_lag_p99_seconds',
    'aicli_event_store_append_duration_seconds_bucket',
    'aicli_event_store_append_events_count',
    'aicli_event_store_append_errors_total',
    'aicli_websocket_frames_received_total',
    'aicli_websocket_frames_sent_total',
  ],
  'error-recovery-dashboard.json': [
    'aicli_error_recovery_success_rate',
    'aicli_error_recovery_total',
    'aicli_agent_faults_total',
    'aicli_circuit_breaker_state',
    'aicli_websocket_dropped_total',
    'aicli_circuit_breaker_transitions_total',
    'aicli_circuit_breaker_probes_total',
    'aicli_agent_api_retries_total',
    'aicli_turns_total',
  ],
} as const;


const PANEL_TYPES = new Set(['row', 'timeseries', 'stat', 'gauge', 'table', 'bargauge', 'state-timeline']);
const DATASOURCE_UID = '${datasource}';
const GRID_WIDTH = 24;

// ---------------------------------------------------------------------------------------------------------------
// A small PromQL parser: enough of the grammar to reject what a typo produces, and to list the metrics read.

const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const FUNCTIONS = new Set([
  'abs', 'absent', 'absent_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'avg_over_time', 'ceil', 'changes',
  'clamp', 'clamp_max', 'clamp_min', 'cos', 'cosh', 'count_over_time', 'day_of_month', 'day_of_week', 'day_of_year',
  'days_in_month', 'deg', 'delta', 'deriv', 'double_exponential_smoothing', 'exp', 'floor', 'histogram_avg',
  'histogram_count', 'histogram_fraction', 'histogram_quantile', 'histogram_stddev', 'histogram_stdvar', 'histogram_sum',
  'holt_winters', 'hour', 'idelta', 'increase', 'irate', 'label_join', 'label_replace', 'last_over_time', 'ln', 'log10',
  'log2', 'mad_over_time', 'max_over_time', 'min_over_time', 'minute', 'month', 'pi', 'predict_linear',
  'present_over_time', 'quantile_over_time', 'rad', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sin', 'sinh', 'sort',
  'sort_by_label', 'sort_by_label_desc', 'sort_desc', 'sqrt', 'stddev_over_time', 'stdvar_over_time', 'sum_over_time',
  'tan', 'tanh', 'time', 'timestamp', 'vector', 'year',
]);
const BINARY_OPERATORS = new Set(['+', '-', '*', '/', '%', '^', '==', '!=', '<=', '<', '>=', '>', 'and', 'or', 'unless', 'atan2']);
const MATCH_OPERATORS = new Set(['=', '!=', '=~', '!~']);

/** Why a query does not parse. */
type PromQlError = { readonly kind: 'PromQlSyntax'; readonly message: string; readonly at: number };

type Token = { readonly kind: 'ident' | 'number' | 'duration' | 'string' | 'op' | 'punct'; readonly text: string; readonly at: number };

const LEXEMES: readonly (readonly [Token['kind'], RegExp])[] = [
  ['string', /^"(?:[^"\\]|\\.)*"|^'(?:[^'\\]|\\.)*'|^`[^`]*`/],
  ['duration', /^(?:\d+(?:ms|[smhdwy]))+(?![\w.])/],
  ['number', /^(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![\w.])/],
  ['ident', /^[a-zA-Z_][a-zA-Z0-9_:]*/],
  ['op', /^(?:==|!=|<=|>=|=~|!~|[-+*/%^<>=])/],
  ['punct', /^[()[\]{},:@]/],
];

function lex(text: string): Result<Token[], PromQlError> {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const rest = text.slice(at);
    const space = /^\s+/.exec(rest);
    if (space !== null) {
      at += space[0].length;
      continue;
    }
    const lexeme = LEXEMES.map(([kind, pattern]) => [kind, pattern.exec(rest)] as const).find(([, match]) => match !== null);
    if (lexeme === undefined || lexeme[1] === null) return err({ kind: 'PromQlSyntax', message: `unexpected character ${JSON.stringify(rest[0])}`, at });
    tokens.push({ kind: lexeme[0], text: lexeme[1][0], at });
    at += lexeme[1][0].length;
  }
  return ok(tokens);
}

/** Signals a syntax error out of the recursive descent; caught in {@link parsePromQl} and turned into a value. */
class SyntaxFault {
  constructor(readonly error: PromQlError) {}
}

class Parser {
  readonly metrics = new Set<string>();
  private position = 0;

  constructor(private readonly tokens: readonly Token[], private readonly length: number) {}

  parse(): void {
    this.expression();
    const extra = this.peek();
    if (extra !== undefined) this.fail(`unexpected ${JSON.stringify(extra.text)} after the end of the expression`);
  }

  private expression(): void {
    this.unary();
    while (this.peekBinaryOperator()) {
      this.position += 1;
      this.accept('bool');
      if (this.accept('on') || this.accept('ignoring')) this.labelList();
      if ((this.accept('group_left') || this.accept('group_right')) && this.peekText('(')) this.labelList();
      this.unary();
    }
  }

  private unary(): void {
    while (this.accept('-') || this.accept('+'));
    this.primary();
    for (;;) {
      if (this.accept('[')) {
        this.expectKind('duration');
        if (this.accept(':') && this.peek()?.kind === 'duration') this.position += 1;
        this.expect(']');
      } else if (this.accept('offset')) {
        this.accept('-');
        this.expectKind('duration');
      } else if (this.accept('@')) {
        if (this.peek()?.kind === 'number') this.position += 1;
        else if (this.accept('start') || this.accept('end')) {
          this.expect('(');
          this.expect(')');
        } else this.fail('expected a timestamp, start() or end() after @');
      } else return;
    }
  }

  private primary(): void {
    const token = this.next('an expression');
    if (token.kind === 'number' || token.kind === 'string') return;
    if (token.text === '(') {
      this.expression();
      return this.expect(')');
    }
    if (token.text === '{') return this.matchers();
    if (token.kind !== 'ident') this.fail(`unexpected ${JSON.stringify(token.text)}`, token.at);
    if (AGGREGATIONS.has(token.text) && (this.peekText('(') || this.peekText('by') || this.peekText('without'))) {
      if (this.accept('by') || this.accept('without')) this.labelList();
      this.callArguments();
      if (this.accept('by') || this.accept('without')) this.labelList();
      return;
    }
    if (this.peekText('(')) {
      if (!FUNCTIONS.has(token.text)) this.fail(`unknown function ${token.text}`, token.at);
      return this.callArguments();
    }
    if (BINARY_OPERATORS.has(token.text) || ['by', 'without', 'on', 'ignoring', 'bool', 'offset'].includes(token.text)) {
      this.fail(`expected an expression, found keyword ${token.text}`, token.at);
    }
    this.metrics.add(token.text);
    if (this.accept('{')) this.matchers();
  }

  private callArguments(): void {
    this.expect('(');
    if (this.accept(')')) return;
    do this.expression();
    while (this.accept(','));
    this.expect(')');
  }

  /** The matchers after `{`, up to and including `}`. */
  private matchers(): void {
    while (!this.accept('}')) {
      this.expectKind('ident');
      const operator = this.next('a match operator');
      if (!MATCH_OPERATORS.has(operator.text)) this.fail(`expected a match operator, found ${JSON.stringify(operator.text)}`, operator.at);
      this.expectKind('string');
      if (!this.accept(',')) return this.expect('}');
    }
  }

  private labelList(): void {
    this.expect('(');
    while (!this.accept(')')) {
      this.expectKind('ident');
      if (!this.accept(',')) return this.expect(')');
    }
  }

  private peekBinaryOperator(): boolean {
    const token = this.peek();
    return token !== undefined && (token.kind === 'op' || token.kind === 'ident') && BINARY_OPERATORS.has(token.text);
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private peekText(text: string): boolean {
    return this.peek()?.text === text;
  }

  private next(what: string): Token {
    const token = this.peek();
    if (token === undefined) this.fail(`expected ${what}, found the end`);
    this.position += 1;
    return token;
  }

  private accept(text: string): boolean {
    if (!this.peekText(text)) return false;
    this.position += 1;
    return true;
  }

  private expect(text: string): void {
    const token = this.next(JSON.stringify(text));
    if (token.text !== text) this.fail(`expected ${JSON.stringify(text)}, found ${JSON.stringify(token.text)}`, token.at);
  }

  private expectKind(kind: Token['kind']): void {
    const token = this.next(`a ${kind}`);
    if (token.kind !== kind) this.fail(`expected a ${kind}, found ${JSON.stringify(token.text)}`, token.at);
  }

  private fail(message: string, at = this.peek()?.at ?? this.length): never {
    throw new SyntaxFault({ kind: 'PromQlSyntax', message, at });
  }
}

/** Parses a PromQL query (Grafana variables already substituted) and returns the metric names it reads. */
function parsePromQl(query: string): Result<readonly string[], PromQlError> {
  return lex(query).andThen((tokens) => {
    const parser = new Parser(tokens, query.length);
    try {
      parser.parse();
    } catch (fault) {
      if (fault instanceof SyntaxFault) return err(fault.error);
      throw fault;
    }
    return ok([...parser.metrics]);
  });
}

/** Replaces Grafana's interval variables with durations; `$var` in label values stays, as the regex it becomes. */
const substituteGrafanaVariables = (expr: string): string => substitute(expr, { rateInterval: '5m', interval: '1m', range: '1h' });

// ---------------------------------------------------------------------------------------------------------------
// The dashboards.

const dashboards = loadDashboards();

/** Every `datasource` object anywhere in the dashboard. */
function datasourcesOf(node: unknown): unknown[] {
  if (Array.isArray(node)) return node.flatMap(datasourcesOf);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => (key === 'datasource' ? [value, ...datasourcesOf(value)] : datasourcesOf(value)));
}

async function registeredMetricNames(): Promise<Set<string>> {
  const metrics = createMetrics({}, { defaultMetrics: true });
  measureStoreAppends(new MemoryEventStore()).metrics.register(metrics.registry);
  const names = (await metrics.registry.getMetricsAsJSON()).flatMap(({ name, type }) =>
    String(type) === 'histogram' ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
  );
  return new Set(names);
}

describe('PromQL check', () => {
  it.each([
    ['sum by (le, route) (rate(m_bucket{a="b", c=~"d|e"}[5m]))', ['m_bucket']],
    ['histogram_quantile(0.99, sum(rate(m[1h])) by (le))', ['m']],
    ['count(a{state=~"open|isolated"} == 1) or vector(0)', ['a']],
    ['(a == 1) * 0 or (b == bool 1) / on (x) group_left c', ['a', 'b', 'c']],
    ['-a offset 5m + max_over_time(b[1h:1m]) * 1e-9', ['a', 'b']],
  ])('accepts %s', (query, metrics) => {
    expect(parsePromQl(query)._unsafeUnwrap()).toEqual(metrics);
  });

  it.each([
    ['sum(rate(m[5m])', 'expected ")"'],
    ['sum(rate(m[5m])))', 'after the end'],
    ['rates(m[5m])', 'unknown function rates'],
    ['m{a="b"', 'found the end'],
    ['m{a "b"}', 'expected a match operator'],
    ['m{a=b}', 'expected a string'],
    ['rate(m[])', 'expected a duration'],
    ['a +', 'found the end'],
    ['sum by (le (m)', 'expected ")"'],
    ['a $b', 'unexpected character'],
  ])('rejects %s', (query, message) => {
    expect(parsePromQl(query)._unsafeUnwrapErr().message).toContain(message);
  });
});

describe.each(dashboards)('grafana/$file', ({ file, json }) => {
  const panels = panelsOf(json);

  it('is an importable dashboard: uid, title, tags, schema version, time and refresh', () => {
    expect(json).toMatchObject({ uid: expect.stringMatching(/^aicli-[a-z-]+$/), title: expect.stringContaining('aicli'), tags: ['aicli'], refresh: expect.stringMatching(/^\d+[smh]$/) });
    expect(json['schemaVersion']).toBeGreaterThanOrEqual(36);
    expect(json['time']).toEqual({ from: expect.stringMatching(/^now-\d+[mhd]$/), to: 'now' });
    expect(json['id']).toBeNull();
  });

  it('takes its Prometheus from the `datasource` template variable, nowhere hard-coded', () => {
    const variables = (json['templating'] as { list: Json[] }).list;
    expect(variables).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    const datasources = datasourcesOf(json).filter((ds) => (ds as Json)['type'] !== 'grafana');
    expect(datasources.length).toBeGreaterThan(0);
    for (const ds of datasources) expect(ds).toEqual({ type: 'prometheus', uid: DATASOURCE_UID });
  });

  it('has panels of known types with unique ids, laid out on the grid without overlaps', () => {
    expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
    for (const { type, gridPos, title } of panels) {
      expect([...PANEL_TYPES], title).toContain(type);
      for (const value of Object.values(gridPos)) expect(Number.isInteger(value) && value >= 0, title).toBe(true);
      expect(gridPos.w > 0 && gridPos.h > 0 && gridPos.x + gridPos.w <= GRID_WIDTH, title).toBe(true);
    }
    const overlaps = panels.flatMap((a, i) =>
      panels.slice(i + 1).filter((b) => a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h).map((b) => `${a.title} / ${b.title}`),
    );
    expect(overlaps).toEqual([]);
  });

  it('gives every chart a query, a unit and thresholds', () => {
    for (const panel of panels.filter(({ type }) => type !== 'row')) {
      const targets = panel.targets ?? [];
      expect(targets.length, panel.title).toBeGreaterThan(0);
      expect(new Set(targets.map(({ refId }) => refId)).size, panel.title).toBe(targets.length);
      const defaults = (panel['fieldConfig'] as { defaults: { unit?: unknown; thresholds?: { steps?: { value: unknown }[] } } }).defaults;
      expect(defaults.unit, panel.title).toEqual(expect.any(String));
      expect(defaults.thresholds?.steps?.[0]?.value, panel.title).toBeNull();
    }
  });

  it('queries, with valid PromQL, only metrics that createMetrics registers, and every metric it promises', async () => {
    const registered = await registeredMetricNames();
    const exprs = exprsOf(json);
    const read = new Set<string>();
    for (const { panel, expr } of exprs) {
      const parsed = parsePromQl(substituteGrafanaVariables(expr));
      expect(parsed.isOk() ? [] : [`${panel}: ${expr}: ${parsed._unsafeUnwrapErr().message}`]).toEqual([]);
      for (const metric of parsed.unwrapOr([])) {
        expect([...registered], `${panel}: ${expr}`).toContain(metric);
        read.add(metric);
      }
    }
    expect([...(DASHBOARDS[file as keyof typeof DASHBOARDS] ?? [])].filter((metric) => !read.has(metric))).toEqual([]);
  });

  it('fills its query variables from registered metrics', async () => {
    const registered = await registeredMetricNames();
    const queries = (json['templating'] as { list: Json[] }).list.filter((variable) => variable['type'] === 'query');
    for (const variable of queries) {
      const match = /^label_values\((\w+), *(\w+)\)$/.exec(String(variable['definition']));
      expect(match, String(variable['name'])).not.toBeNull();
      expect([...registered]).toContain(match?.[1]);
    }
  });
});

const promtool = spawnSync('promtool', ['--version']).status === 0;

describe('promtool', () => {
  it.skipIf(!promtool)('accepts every query (skipped: promtool is not installed; Debian package `prometheus` provides it)', () => {
    const rules = dashboards.flatMap(({ file, json }) =>
      exprsOf(json).map(({ expr }, index) => ({ record: `grafana:${file.replace(/\W/g, '_')}:${index}`, expr: substituteGrafanaVariables(expr).replaceAll(/\$\w+/g, '.*') })),
    );
    const dir = mkdtempSync(join(tmpdir(), 'aicli-grafana-'));
    try {
      // JSON is YAML, so the rules file needs no YAML writer.
      const path = join(dir, 'rules.yml');
      writeFileSync(path, JSON.stringify({ groups: [{ name: 'grafana', rules }] }));
      const run = spawnSync('promtool', ['check', 'rules', path], { encoding: 'utf8' });
      expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('promtool: panels that must read 0, not "No data"', () => {
  it.skipIf(!promtool)('5xx ratio and error ratio by route are 0 when no request failed', () => {
    const performance = dashboards.find(({ file }) => file === 'performance-dashboard.json');
    const exprOf = (title: string): string => {
      const found = exprsOf(performance?.json ?? {}).find((entry) => entry.panel === title);
      return substituteGrafanaVariables(found?.expr ?? '').replaceAll('$instance', '.*').replaceAll('$route', '.*');
    };
    const series = 'aicli_response_latency_histogram_count{instance="a", job="aicli", method="GET", route="/r", status="200"}';
    const tests = {
      rule_files: [],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [{ series, values: '0+60x10' }],
          promql_expr_test: [
            { expr: exprOf('5xx ratio'), eval_time: '5m', exp_samples: [{ labels: '{}', value: 0 }] },
            { expr: exprOf('Error ratio (5xx) by route'), eval_time: '5m', exp_samples: [{ labels: '{route="/r"}', value: 0 }] },
          ],
        },
      ],
    };
    const dir = mkdtempSync(join(tmpdir(), 'aicli-grafana-'));
    try {
      const path = join(dir, 'tests.yml');
      writeFileSync(path, JSON.stringify(tests));
      const run = spawnSync('promtool', ['test', 'rules', path], { encoding: 'utf8' });
      expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
