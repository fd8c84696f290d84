/** Operations: the pool (sessions by state, processes, memory against budget), breakers, WebSocket status, metrics. */
import type { AppContext } from '../app-context.js';
import { may } from '../app-context.js';
import { h, replace } from '../dom.js';
import { json } from '../format.js';

const REFRESH_MS = 3000;

const table = (rows: readonly (readonly [string, unknown])[]) =>
  h('table', { class: 'kv' }, h('tbody', {}, ...rows.map(([name, value]) => h('tr', {}, h('th', {}, name), h('td', {}, typeof value === 'object' ? json(value) : String(value))))));

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
      replace(pool, h('p', {}, h('a', { href: `#/stream/pool-${encodeURIComponent(v.name)}`, id: 'pool-timeline' }, `timeline of pool ${v.name}`)), table([['state', v.state], ['size', `${v.processes?.live ?? '?'} live / target ${v.target} (min ${v.minSize}, max ${v.maxSize})`], ['utilisation', v.utilisation], ['sessions by state', v.sessions.byState], ['processes', v.processes], ['memory', v.memory], ['last scaling', v.scaling?.[v.scaling.length - 1] ?? '—']]));
    }
    if (b.ok) {
      const rows = Object.entries(b.value.breakers ?? {}).map(([name, breaker]: [string, any]) => h('tr', { 'data-breaker': name }, h('td', {}, name, ' ', h('a', { href: `#/stream/breaker-${encodeURIComponent(name)}`, class: 'muted' }, 'timeline')), h('td', { class: `breaker-${breaker.state}` }, String(breaker.state)), h('td', {}, json(breaker))));
      replace(breakers, h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'breaker'), h('th', {}, 'state'), h('th', {}, 'history'))), h('tbody', {}, ...rows)), table([['recoveries', b.value.recoveries], ['success rate', b.value.successRate], ['faults by kind', b.value.faultsByKind]]));
    }
    if (w.ok) replace(sockets, table([['connections', w.value.connections], ['subscribers by session', Object.keys(w.value.bySession ?? {}).length], ['dropped', w.value.dropped], ['max connections', w.value.maxConnections]]));
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
