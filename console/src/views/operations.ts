/** Operations: the pool (sessions by state, processes, memory against budget), breakers, WebSocket status, metrics. */
import type { AppContext } from '../app-context.js';
import { may } from '../app-context.js';
import { h, replace } from '../dom.js';
import { ago, bytes, counts } from '../format.js';

const REFRESH_MS = 3000;

type Cell = Node | string;

const table = (rows: readonly (readonly [string, Cell])[]) => h('table', { class: 'kv' }, h('tbody', {}, ...rows.map(([name, value]) => h('tr', {}, h('th', {}, name), h('td', {}, value)))));

/** Measured agent memory against the budget, as a bar and in words. */
function memoryCell(memory: { budgetBytes?: number; perProcessBytes?: number; measuredBytes?: number } | undefined): Cell {
  if (memory?.budgetBytes === undefined) return '—';
  const measured = memory.measuredBytes ?? 0;
  const share = memory.budgetBytes > 0 ? measured / memory.budgetBytes : 0;
  return h(
    'span',
    {},
    h('meter', { min: 0, max: 1, low: 0.7, high: 0.9, optimum: 0, value: share, title: `${(share * 100).toFixed(1)}%` }),
    ` ${bytes(measured)} of ${bytes(memory.budgetBytes)} (${(share * 100).toFixed(1)}%); about ${bytes(memory.perProcessBytes ?? 0)} per process`,
  );
}

/** The last scaling decision, in words (its fields vary by kind: shown as they are, on one line). */
function scalingCell(scaling: readonly Record<string, unknown>[] | undefined): Cell {
  const last = scaling?.[scaling.length - 1];
  if (last === undefined) return 'none yet';
  const at = typeof last['at'] === 'number' ? ` (${ago(last['at'])})` : '';
  return `${Object.entries(last).filter(([key]) => key !== 'at').map(([key, value]) => `${key} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`).join(' · ')}${at}`;
}

export function operationsView(root: HTMLElement, app: AppContext): () => void {
  if (!may(app, 'status:read')) {
    replace(root, h('h1', {}, 'Operations'), h('p', {}, `Your role (${app.me.role}) may not read the server's status; operators and admins may.`));
    return () => undefined;
  }
  const pool = h('div', { id: 'ops-pool' });
  const breakers = h('div', { id: 'ops-breakers' });
  const sockets = h('div', { id: 'ops-websocket' });
  const refresh = async () => {
    const [p, b, w] = await Promise.all([app.api<any>('GET', '/session-pool/status'), app.api<any>('GET', '/breakers'), app.api<any>('GET', '/websocket/status')]);
    if (p.ok) {
      const v = p.value;
      const processes = v.processes ?? {};
      replace(
        pool,
        h('p', {}, h('a', { href: `#/stream/pool-${encodeURIComponent(v.name)}`, id: 'pool-timeline' }, `timeline of pool ${v.name}`)),
        table([
          ['state', String(v.state)],
          ['size', `${processes.live ?? '?'} live / target ${v.target} (min ${v.minSize}, max ${v.maxSize}); utilisation ${(Number(v.utilisation ?? 0) * 100).toFixed(0)}%`],
          ['sessions', counts(v.sessions?.byState)],
          ['processes', `${processes.live ?? 0} live · ${processes.warm ?? 0} warm · ${processes.inUse ?? 0} in use · ${processes.starting ?? 0} starting`],
          ['memory', memoryCell(v.memory)],
          ['last scaling', scalingCell(v.scaling)],
        ]),
      );
    }
    if (b.ok) {
      const rows = Object.entries(b.value.breakers ?? {}).map(([name, breaker]: [string, any]) =>
        h(
          'tr',
          { 'data-breaker': name },
          h('td', {}, name, ' ', h('a', { href: `#/stream/breaker-${encodeURIComponent(name)}`, class: 'muted' }, 'timeline')),
          h('td', { class: `breaker-${breaker.state}` }, String(breaker.state)),
          h('td', {}, `${breaker.opens ?? 0} opened · ${breaker.failures ?? 0} failures · ${breaker.successes ?? 0} successes`),
          h('td', { title: typeof breaker.lastChangeAt === 'number' ? new Date(breaker.lastChangeAt).toISOString() : '' }, typeof breaker.lastChangeAt === 'number' ? ago(breaker.lastChangeAt) : '—'),
        ),
      );
      const { started = 0, succeeded = 0, failed = 0 } = b.value.recoveries ?? {};
      const rate = Number(b.value.successRate);
      replace(
        breakers,
        h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'breaker'), h('th', {}, 'state'), h('th', {}, 'history'), h('th', {}, 'last change'))), h('tbody', {}, ...rows)),
        table([
          ['recoveries', `${started} started · ${succeeded} succeeded · ${failed} failed`],
          ['success rate', Number.isFinite(rate) && succeeded + failed > 0 ? `${(rate * 100).toFixed(1)}%` : 'no recovery finished yet'],
          ['faults by kind', counts(b.value.faultsByKind)],
        ]),
      );
    }
    if (w.ok) {
      const { open = 0, closed = 0, refused = 0 } = w.value.connections ?? {};
      replace(
        sockets,
        table([
          ['connections', `${open} open · ${closed} closed · ${refused} refused (of at most ${w.value.maxConnections ?? '?'})`],
          ['sessions watched', String(Object.keys(w.value.bySession ?? {}).length)],
          ['dropped by the server', counts(w.value.dropped)],
        ]),
      );
    }
  };
  replace(
    root,
    h('h1', {}, 'Operations'),
    h('p', {}, 'Metrics: ', h('a', { href: '/metrics', target: '_blank' }, '/metrics'), ' (Prometheus text; the Grafana dashboards in grafana/ read them).'),
    h('h2', {}, 'Session pool'),
    pool,
    h('h2', {}, 'Circuit breakers'),
    breakers,
    h('h2', {}, 'WebSocket'),
    sockets,
  );
  void refresh();
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  return () => clearInterval(timer);
}

