/**
 * One session: the conversation as it streams (from revision 0 over the page's socket, resumed after reconnects),
 * who is here and typing, a composer whose messages show `queued` until the server acknowledges them, interrupt,
 * inline tool approvals, sharing and terminate; and its timeline (views/timeline.ts).
 */
import type { AppContext } from '../app-context.js';
import { may } from '../app-context.js';
import { h, replace } from '../dom.js';
import { usd } from '../format.js';
import { emptyConversation, foldEvent, type Item } from '../model/conversation.js';
import type { StreamEvent } from '../ws-client.js';
import { drawItem } from './conversation-item.js';
import { timelineView } from './timeline.js';

interface SessionInfo {
  readonly id: string;
  readonly owner: string;
  readonly state: string;
  readonly participants: readonly { userId: string; role: string }[];
  readonly usage: { costUsd: number; turns: number };
  readonly forkedFrom: { sessionId: string; revision: number } | null;
}

const TYPING_IDLE_MS = 2500;

export function sessionView(root: HTMLElement, app: AppContext, id: string, tab: 'conversation' | 'timeline'): () => void {
  const conversation = emptyConversation();
  const events: StreamEvent[] = [];
  const drawn = new Map<string, { version: number; element: HTMLElement }>();
  const log = h('div', { class: 'conversation', id: 'conversation' });
  const info = h('div', { class: 'session-info', id: 'session-info' });
  const presence = h('div', { class: 'presence', id: 'presence' });
  const outbox = h('ul', { class: 'outbox', id: 'outbox' });
  const error = h('p', { class: 'error', id: 'session-error', role: 'alert' });
  const tabBody = h('div', { class: 'tab' });
  let session: SessionInfo | null = null;
  let dirty = false;
  let contiguous = true;
  let stopTimeline: (() => void) | null = null;

  const myRole = (): string | null => session?.participants.find((p) => p.userId === app.me.userId)?.role ?? null;
  const canWrite = (): boolean => may(app, 'sessions:use') && (myRole() === 'owner' || myRole() === 'editor');

  const decide = (requestId: string, decision: Parameters<typeof app.socket.approve>[2]) => app.socket.approve(id, requestId, decision);

  /** Redraws the items whose version changed since they were drawn; new ones are appended. */
  const render = () => {
    dirty = false;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    for (const item of conversation.items) {
      const known = drawn.get(item.key);
      if (known !== undefined && known.version === item.version) continue;
      const element = drawItem(item as Item, canWrite(), decide);
      if (known === undefined) log.appendChild(element);
      else known.element.replaceWith(element);
      drawn.set(item.key, { version: item.version, element });
    }
    log.setAttribute('data-last-revision', String(conversation.lastRevision));
    if (atBottom) log.scrollTop = log.scrollHeight;
  };
  const schedule = () => {
    if (dirty) return;
    dirty = true;
    requestAnimationFrame(render);
  };

  const drawInfo = () => {
    if (session === null) return;
    const s = session;
    replace(
      info,
      h('span', { class: `state state-${s.state}`, id: 'session-state' }, s.state),
      ` owner ${s.owner} · ${s.usage.turns} turns · ${usd(s.usage.costUsd)}`,
      s.forkedFrom === null ? null : h('span', {}, ' · forked from ', h('a', { href: `#/s/${s.forkedFrom.sessionId}` }, `${s.forkedFrom.sessionId.slice(0, 8)}@${s.forkedFrom.revision}`)),
      ' · participants: ',
      s.participants.map((p) => `${p.userId} (${p.role})`).join(', '),
    );
  };

  const loadSession = async () => {
    const got = await app.api<SessionInfo>('GET', `/sessions/${id}`);
    if (!got.ok) {
      error.textContent = `Cannot open the session: ${got.error.message}`;
      return;
    }
    const roleBefore = myRole();
    session = got.value;
    drawInfo();
    // Viewers (and server viewers) watch: the composer and interrupt are for owners and editors.
    for (const control of [text, sendButton, interruptButton]) control.disabled = !canWrite();
    if (myRole() !== roleBefore) {
      // Approval cards depend on the caller's role: draw them again.
      drawn.forEach((entry) => entry.element.remove());
      drawn.clear();
      schedule();
    }
  };

  // The composer: sent over the socket; `queued` until the ack says the message is durable.
  const text = h('textarea', { id: 'composer', rows: 2, placeholder: 'Message (Enter to send, Shift+Enter for a new line)' });
  const sendButton = h('button', { id: 'send', onclick: () => send() }, 'Send');
  const interruptButton = h('button', { id: 'interrupt', class: 'secondary', onclick: () => app.socket.interrupt(id) }, 'Interrupt');
  const pending = new Map<string, HTMLLIElement>();
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  /** An acknowledged message leaves the outbox once the conversation shows it (its `MessageAccepted` arrived). */
  const settleOutbox = () => {
    for (const [clientMsgId, line] of pending) {
      const revision = Number(line.getAttribute('data-revision') ?? Infinity);
      if (revision <= conversation.lastRevision) (line.remove(), pending.delete(clientMsgId));
    }
  };
  const send = () => {
    const value = text.value.trim();
    if (value === '') return;
    const clientMsgId = crypto.randomUUID();
    const line = h('li', { 'data-client-msg': clientMsgId, 'data-status': 'queued' }, h('span', { class: 'badge' }, 'queued'), ' ', value);
    pending.set(clientMsgId, line);
    outbox.appendChild(line);
    app.socket.send(id, value, clientMsgId);
    text.value = '';
    app.socket.presence(id, 'watching');
  };
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      send();
    }
  });
  text.addEventListener('input', () => {
    if (typingTimer === undefined) app.socket.presence(id, 'typing');
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => {
      typingTimer = undefined;
      app.socket.presence(id, 'watching');
    }, TYPING_IDLE_MS);
  });

  const share = async (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const userId = (form.elements.namedItem('userId') as HTMLInputElement).value.trim();
    const role = (form.elements.namedItem('role') as HTMLSelectElement).value;
    const added = await app.api('POST', `/sessions/${id}/participants`, { userId, role });
    error.textContent = added.ok ? '' : `Cannot share: ${added.error.message}`;
    void loadSession();
  };
  const terminate = async () => {
    if (!confirm('Terminate this session?')) return;
    const done = await app.api('DELETE', `/sessions/${id}`);
    error.textContent = done.ok ? '' : `Cannot terminate: ${done.error.message}`;
    void loadSession();
  };

  app.socket.subscribe(id, {
    event: (event) => {
      // The socket drops repeats; that revisions stay contiguous (no gap after a reconnect) is shown for tests.
      contiguous &&= event.revision === events.length;
      events.push(event);
      log.setAttribute('data-events', String(events.length));
      log.setAttribute('data-contiguous', String(contiguous));
      if (foldEvent(conversation, event)) schedule();
      settleOutbox();
      if (/^(Participant|Session|TurnCompleted|AgentInitialized|RecoverySucceeded)/.test(event.eventType)) void loadSession();
      else if (session !== null && event.eventType === 'MessageAccepted') void loadSession();
    },
    presence: (users) =>
      replace(presence, ...users.map((user) => h('span', { class: `user presence-${user.status}`, 'data-user': user.userId, 'data-status': user.status }, `${user.userId === app.me.userId ? `${user.userId} (you)` : user.userId}${user.status === 'typing' ? ' is typing…' : ''}`))),
    ack: (clientMsgId, revision) => {
      const line = pending.get(clientMsgId);
      if (line === undefined) return;
      line.setAttribute('data-status', 'acked');
      line.setAttribute('data-revision', String(revision));
      line.querySelector('.badge')!.textContent = `acked #${revision}`;
      settleOutbox();
    },
    error: (code, message, ref) => {
      const line = ref === undefined ? undefined : pending.get(ref);
      if (line !== undefined) {
        line.setAttribute('data-status', 'failed');
        line.querySelector('.badge')!.textContent = `failed: ${code}`;
      }
      error.textContent = `${code}: ${message}`;
    },
  });

  const connection = h('span', { class: 'connection', id: 'connection' });
  const stopState = app.socket.onState((state, detail) => {
    connection.textContent = state === 'open' ? '● live' : state === 'connecting' ? '○ connecting…' : `○ disconnected ${detail}, reconnecting`;
    connection.setAttribute('data-state', state);
  });

  const conversationTab = () =>
    replace(
      tabBody,
      log,
      outbox,
      h(
        'div',
        { class: 'composer' },
        text,
        sendButton,
        interruptButton,
      ),
      h(
        'form',
        { class: 'inline', id: 'share', onsubmit: share },
        h('input', { name: 'userId', placeholder: 'user to invite' }),
        h('select', { name: 'role' }, h('option', { value: 'editor' }, 'editor'), h('option', { value: 'viewer' }, 'viewer')),
        h('button', { type: 'submit', class: 'secondary' }, 'Share'),
        h('button', { type: 'button', class: 'danger', id: 'terminate', onclick: terminate }, 'Terminate'),
      ),
    );

  replace(
    root,
    h(
      'section',
      { class: 'toolbar' },
      h('h1', {}, `Session ${id.slice(0, 8)}`),
      h('nav', { class: 'tabs' }, h('a', { href: `#/s/${id}`, class: tab === 'conversation' ? 'active' : '' }, 'Conversation'), h('a', { href: `#/s/${id}/timeline`, id: 'timeline-tab', class: tab === 'timeline' ? 'active' : '' }, 'Timeline')),
      connection,
    ),
    info,
    presence,
    error,
    tabBody,
  );
  if (tab === 'conversation') conversationTab();
  else stopTimeline = timelineView(tabBody, app, id, () => events);
  void loadSession();

  return () => {
    stopState();
    stopTimeline?.();
    clearTimeout(typingTimer);
    app.socket.unsubscribe(id);
  };
}
