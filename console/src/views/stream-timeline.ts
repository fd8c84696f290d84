/**
 * The timeline of a circuit breaker's or the pool's stream (`GET /streams/:stream/replay`): every event with the
 * state it moved from and to and what it changed, a scrubber, step back and forward, jump between state changes,
 * and the actor's context as of the chosen revision.
 */
import type { AppContext } from '../app-context.js';
import { h, replace } from '../dom.js';
import { json, time } from '../format.js';
import { timelineControls } from './timeline-controls.js';

interface Entry {
  readonly revision: number;
  readonly type: string;
  readonly at: number | null;
  readonly from: unknown;
  readonly to: unknown;
  readonly accepted: boolean;
  readonly changes: readonly { op: string; path: string; before?: unknown; after?: unknown }[];
}
interface Replay {
  readonly machine: string;
  readonly state: { revision: number; value: unknown; context: unknown };
  readonly entries: readonly Entry[];
}

const stateText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
const isTransition = (entry: Entry): boolean => entry.from !== null && stateText(entry.from) !== stateText(entry.to);

export function streamTimelineView(root: HTMLElement, app: AppContext, stream: string): () => void {
  const scrubber = h('input', { type: 'range', id: 'scrubber', min: 0, max: 0, value: 0, step: 1 });
  const label = h('span', { id: 'scrub-revision' });
  const entryBox = h('div', { id: 'scrub-entry' });
  const contextBox = h('pre', { id: 'scrub-context' });
  const list = h('ol', { id: 'event-list', class: 'event-list', start: 0 });
  const error = h('p', { class: 'error', role: 'alert' });
  let entries: readonly Entry[] = [];
  let stopped = false;

  const show = async (revision: number) => {
    const entry = entries[revision];
    if (entry === undefined) return;
    scrubber.value = String(revision);
    label.textContent = `revision ${revision} of ${entries.length - 1}`;
    for (const item of list.querySelectorAll('.current')) item.classList.remove('current');
    list.children[revision]?.classList.add('current');
    replace(
      entryBox,
      h('p', {}, h('strong', {}, entry.type), entry.at === null ? '' : ` at ${time(entry.at)}`, ' · state ', h('strong', { 'data-state': stateText(entry.to) }, stateText(entry.to)), entry.from === null || !isTransition(entry) ? '' : ` (was ${stateText(entry.from)})`, entry.accepted ? '' : ' · ignored by today\'s machine'),
      h('ul', { class: 'changes' }, ...entry.changes.map((change) => h('li', {}, h('code', {}, change.path), `: ${JSON.stringify(change.before)} → ${JSON.stringify(change.after)}`))),
    );
    const at = await app.api<Replay>('GET', `/streams/${encodeURIComponent(stream)}/replay?at=${revision}`);
    if (stopped || Number(scrubber.value) !== revision) return;
    contextBox.textContent = at.ok ? json(at.value.state.context) : at.error.message;
  };
  const go = (revision: number) => void show(Math.max(0, Math.min(entries.length - 1, revision)));
  const jump = (direction: 1 | -1) => {
    for (let revision = Number(scrubber.value) + direction; revision >= 0 && revision < entries.length; revision += direction) {
      if (isTransition(entries[revision]!)) return go(revision);
    }
  };

  replace(
    root,
    h('section', { class: 'toolbar' }, h('h1', {}, `Stream ${stream}`), h('a', { href: '#/ops' }, '← Operations')),
    timelineControls({ scrubber, go, jump, notable: 'state change' }, label),
    error,
    h('div', { class: 'timeline' }, list, h('div', { class: 'at' }, entryBox, h('h3', {}, 'Context at this revision'), contextBox)),
  );
  scrubber.addEventListener('input', () => go(Number(scrubber.value)));
  void app.api<Replay>('GET', `/streams/${encodeURIComponent(stream)}/replay`).then((replay) => {
    if (stopped) return;
    if (!replay.ok) {
      error.textContent = replay.error.status === 404 ? `${stream} has no events yet` : `Cannot replay ${stream}: ${replay.error.message}`;
      return;
    }
    entries = replay.value.entries;
    scrubber.max = String(Math.max(0, entries.length - 1));
    for (const entry of entries) list.appendChild(h('li', { 'data-revision': entry.revision, class: isTransition(entry) ? 'notable' : '', onclick: () => go(entry.revision) }, entry.type, h('span', { class: 'muted' }, ` → ${stateText(entry.to)}`)));
    go(entries.length - 1);
  });
  return () => {
    stopped = true;
  };
}
