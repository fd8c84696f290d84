/**
 * The sessions: a live table (state, owner, participants, who is watching, turns, cost) refreshed every few
 * seconds, the first page drawn as soon as it arrives and the others appended; rows are redrawn only when their
 * session's revision changed. A form creates a session with options; each row opens or terminates its session.
 */
import type { AppContext } from '../app-context.js';
import { may } from '../app-context.js';
import { h, replace } from '../dom.js';
import { ago, usd } from '../format.js';

interface ListedSession {
  readonly id: string;
  readonly owner: string;
  readonly state: string;
  readonly participants: readonly { userId: string; role: string }[];
  readonly lastActivityAt: number;
  readonly turns: number;
  readonly usage: { costUsd: number };
  readonly revision: number;
}

const REFRESH_MS = 3000;
const FIRST_PAGE = 50;
const PAGE = 200;

export function sessionListView(root: HTMLElement, app: AppContext): () => void {
  const rows = new Map<string, { revision: number; watchers: number; row: HTMLTableRowElement }>();
  const body = h('tbody', { id: 'session-rows' });
  const status = h('span', { class: 'muted', id: 'list-status' }, 'loading…');
  const budget = h('span', { id: 'budget' });
  const error = h('p', { class: 'error', role: 'alert' });
  let watchers: Record<string, number> = {};
  let stopped = false;

  const model = h('input', { name: 'model', placeholder: 'model (default)' });
  const mode = h('select', { name: 'permissionMode' }, ...['default', 'acceptEdits', 'plan', 'bypassPermissions'].map((value) => h('option', { value }, value)));
  const prompt = h('input', { name: 'systemPrompt', placeholder: 'system prompt (optional)' });
  const shareable = h('input', { type: 'checkbox', name: 'shareable' });
  const create = async (event: Event) => {
    event.preventDefault();
    const options: Record<string, unknown> = { permissionMode: mode.value };
    if (model.value.trim() !== '') options['model'] = model.value.trim();
    if (prompt.value.trim() !== '') options['systemPrompt'] = prompt.value.trim();
    if (shareable.checked) options['shareable'] = true;
    const created = await app.api<{ session: { id: string } }>('POST', '/sessions', options);
    if (!created.ok) error.textContent = `Cannot create: ${created.error.message}`;
    else app.go(`#/s/${created.value.session.id}`);
  };

  const rowOf = (session: ListedSession): HTMLTableRowElement =>
    h(
      'tr',
      { 'data-session': session.id, 'data-state': session.state },
      h('td', {}, h('a', { href: `#/s/${session.id}` }, session.id.slice(0, 8))),
      h('td', { class: `state state-${session.state}` }, session.state),
      h('td', {}, session.owner),
      h('td', {}, session.participants.map((p) => `${p.userId} (${p.role})`).join(', ')),
      h('td', { class: 'num' }, String(watchers[session.id] ?? 0)),
      h('td', { class: 'num' }, String(session.turns)),
      h('td', { class: 'num' }, usd(session.usage.costUsd)),
      h('td', {}, ago(session.lastActivityAt)),
      h('td', {}, session.state === 'terminated' || (session.owner !== app.me.userId && !may(app, 'sessions:manage')) ? '' : h('button', { class: 'danger small', 'data-terminate': session.id, onclick: () => terminate(session.id) }, 'Terminate')),
    );

  const terminate = async (id: string) => {
    if (!confirm(`Terminate session ${id.slice(0, 8)}?`)) return;
    const done = await app.api('DELETE', `/sessions/${id}`);
    if (!done.ok) error.textContent = `Cannot terminate: ${done.error.message}`;
    void refresh();
  };

  /** Draws one page: new rows appended, changed ones replaced, in the order they came. */
  const draw = (sessions: readonly ListedSession[], seen: Set<string>): void => {
    const fragment = document.createDocumentFragment();
    for (const session of sessions) {
      seen.add(session.id);
      const known = rows.get(session.id);
      const watching = watchers[session.id] ?? 0;
      if (known !== undefined && known.revision === session.revision && known.watchers === watching) {
        fragment.appendChild(known.row);
        continue;
      }
      const row = rowOf(session);
      known?.row.remove();
      rows.set(session.id, { revision: session.revision, watchers: watching, row });
      fragment.appendChild(row);
    }
    body.appendChild(fragment);
  };

  const refresh = async (): Promise<void> => {
    // Who is watching comes beside the first page, not before it: the first rows paint as soon as they arrive.
    const watching = may(app, 'status:read') ? app.api<{ bySession: Record<string, number> }>('GET', '/websocket/status') : null;
    const seen = new Set<string>();
    let cursor: string | null = null;
    let total = 0;
    do {
      // A small first page paints at once; the rest come in pages of the largest size the server allows.
      const limit = total === 0 ? FIRST_PAGE : PAGE;
      const page: Awaited<ReturnType<typeof app.api<{ sessions: ListedSession[]; nextCursor: string | null }>>> = await app.api('GET', `/sessions?limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      if (stopped) return;
      if (!page.ok) {
        error.textContent = `Cannot list sessions: ${page.error.message}`;
        return;
      }
      draw(page.value.sessions, seen);
      total += page.value.sessions.length;
      cursor = page.value.nextCursor;
    } while (cursor !== null);
    for (const [id, known] of rows) if (!seen.has(id)) (known.row.remove(), rows.delete(id));
    status.textContent = `${total} session${total === 1 ? '' : 's'}`;
    error.textContent = '';
    const ws = await watching;
    if (ws?.ok === true) watchers = ws.value.bySession;
  };

  const refreshBudget = async () => {
    const usage = await app.api<{ remaining: { usd: number | null }; day: { usd: number } }>('GET', `/tenants/${encodeURIComponent(app.me.tenant)}/usage`);
    if (usage.ok) budget.textContent = `spent today ${usd(usage.value.day.usd)} · budget left ${usage.value.remaining.usd === null ? 'no limit' : usd(usage.value.remaining.usd)}`;
  };

  replace(
    root,
    h('section', { class: 'toolbar' }, h('h1', {}, 'Sessions'), status, budget),
    may(app, 'sessions:use')
      ? h('form', { class: 'card inline', id: 'create-session', onsubmit: create }, model, mode, prompt, h('label', {}, shareable, 'shareable'), h('button', { type: 'submit' }, 'New session'))
      : null,
    error,
    h('table', { class: 'sessions' }, h('thead', {}, h('tr', {}, ...['session', 'state', 'owner', 'participants', 'watching', 'turns', 'cost', 'active', ''].map((name) => h('th', {}, name)))), body),
  );
  void refresh();
  void refreshBudget();
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
