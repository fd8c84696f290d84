/**
 * A session's timeline: every event of its stream with a scrubber. At each revision it shows the event, the
 * machine's state and context as of that revision (`GET /sessions/:id/state?at=`) and what the event changed; step
 * back and forward, jump to the previous or next fault or recovery, and fork a new session from that revision.
 */
import type { AppContext } from '../app-context.js';
import { h, replace } from '../dom.js';
import { json, time } from '../format.js';
import { diff } from '../model/diff.js';
import { stateStrip } from './state-strip.js';
import { timelineControls } from './timeline-controls.js';
import type { StreamEvent } from '../ws-client.js';

interface StateAt {
  readonly revision: number;
  readonly state: string;
  readonly context: unknown;
}

/** Events an operator jumps between: faults, aborted or failed turns, failed approvals, recoveries. */
const NOTABLE = /Fault|Failed|Aborted|Recovery|Expired|Cancelled/;
const isNotable = (event: StreamEvent): boolean => NOTABLE.test(event.eventType) || (event.eventType === 'TurnCompleted' && event.data?.isError === true);

export function timelineView(root: HTMLElement, app: AppContext, id: string, events: () => readonly StreamEvent[]): () => void {
  const scrubber = h('input', { type: 'range', id: 'scrubber', min: 0, max: 0, value: 0, step: 1 });
  const label = h('span', { id: 'scrub-revision' });
  const eventBox = h('pre', { id: 'scrub-event' });
  const stateBox = h('div', { id: 'scrub-state', class: 'state-at' });
  const changes = h('ul', { id: 'scrub-changes', class: 'changes' });
  const contextBox = h('pre', { id: 'scrub-context' });
  const list = h('ol', { id: 'event-list', class: 'event-list', start: 0 });
  const error = h('p', { class: 'error', role: 'alert' });
  const cache = new Map<number, Promise<StateAt | null>>();
  let listed = 0;
  let following = true;

  const stateAt = (revision: number): Promise<StateAt | null> => {
    let known = cache.get(revision);
    if (known === undefined) {
      known = app.api<StateAt>('GET', `/sessions/${id}/state?at=${revision}`).then((got) => (got.ok ? got.value : null));
      cache.set(revision, known);
    }
    return known;
  };

  const show = async (revision: number) => {
    scrubber.value = String(revision);
    label.textContent = `revision ${revision} of ${events().length - 1}`;
    const event = events()[revision];
    eventBox.textContent = event === undefined ? '' : `${event.eventType} at ${time(event.at)}\n${json(event.data)}`;
    for (const item of list.querySelectorAll('.current')) item.classList.remove('current');
    list.children[revision]?.classList.add('current');
    const [now, before] = await Promise.all([stateAt(revision), revision === 0 ? Promise.resolve(null) : stateAt(revision - 1)]);
    if (Number(scrubber.value) !== revision) return;
    if (now === null) {
      error.textContent = 'Cannot read the state at this revision';
      return;
    }
    error.textContent = '';
    replace(stateBox, 'state ', h('strong', { class: `state state-${now.state}`, 'data-state': now.state }, now.state), before === null || before.state === now.state ? '' : ` (was ${before.state}, changed by ${event?.eventType ?? '?'})`, stateStrip(now.state));
    replace(changes, ...(before === null ? [] : diff(before.context, now.context)).map((change) => h('li', {}, h('code', {}, change.path), `: ${JSON.stringify(change.before)} → ${JSON.stringify(change.after)}`)));
    contextBox.textContent = json(now.context);
  };

  const go = (revision: number) => {
    const last = events().length - 1;
    const target = Math.max(0, Math.min(last, revision));
    following = target === last;
    void show(target);
  };
  const jump = (direction: 1 | -1) => {
    const all = events();
    for (let revision = Number(scrubber.value) + direction; revision >= 0 && revision < all.length; revision += direction) {
      if (isNotable(all[revision]!)) return go(revision);
    }
  };
  const fork = async () => {
    const atRevision = Number(scrubber.value);
    const forked = await app.api<{ session: { id: string } }>('POST', `/sessions/${id}/fork`, { atRevision });
    if (!forked.ok) error.textContent = `Cannot fork: ${forked.error.message}`;
    else app.go(`#/s/${forked.value.session.id}`);
  };

  /** Lists events that arrived since the last look; the scrubber follows the head unless moved back. */
  const sync = () => {
    const all = events();
    for (; listed < all.length; listed++) {
      const event = all[listed]!;
      list.appendChild(h('li', { 'data-revision': event.revision, class: isNotable(event) ? 'notable' : '', onclick: () => go(event.revision) }, `${event.eventType}`, h('span', { class: 'muted' }, ` ${time(event.at)}`)));
    }
    scrubber.max = String(Math.max(0, all.length - 1));
    if (following && all.length > 0 && Number(scrubber.value) !== all.length - 1) void show(all.length - 1);
  };

  scrubber.addEventListener('input', () => go(Number(scrubber.value)));
  replace(
    root,
    timelineControls({ scrubber, go, jump, notable: 'fault/recovery' }, label, h('button', { id: 'fork-here', onclick: fork }, 'Fork from here')),
    error,
    h('div', { class: 'timeline' }, list, h('div', { class: 'at' }, stateBox, h('h3', {}, 'Event'), eventBox, h('h3', {}, 'What it changed'), changes, h('details', {}, h('summary', {}, 'Context at this revision'), contextBox))),
  );
  sync();
  const timer = setInterval(sync, 300);
  return () => clearInterval(timer);
}
