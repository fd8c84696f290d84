/**
 * The operator console's entry: signs in (credentials from sessionStorage when the tab has them), opens the page's
 * one WebSocket and routes on the hash: `#/sessions`, `#/s/<id>`, `#/s/<id>/timeline`, `#/ops`, `#/stream/<breaker or pool stream>`.
 */
import { call, type Me } from './api.js';
import { appContext, type AppContext } from './app-context.js';
import { clearCredentials, loadCredentials, type Credentials } from './credentials.js';
import { h, replace } from './dom.js';
import { operationsView } from './views/operations.js';
import { sessionListView } from './views/session-list.js';
import { sessionView } from './views/session-view.js';
import { signInView } from './views/sign-in.js';
import { streamTimelineView } from './views/stream-timeline.js';
import { ConsoleSocket } from './ws-client.js';

const top = document.getElementById('top')!;
const main = document.getElementById('main')!;
let app: AppContext | null = null;
let leave: () => void = () => undefined;

function route(): void {
  if (app === null) return;
  leave();
  const hash = location.hash.replace(/^#\/?/, '');
  const session = /^s\/([^/]+)(\/timeline)?$/.exec(hash);
  if (session !== null) leave = sessionView(main, app, decodeURIComponent(session[1]!), session[2] === undefined ? 'conversation' : 'timeline');
  else if (hash === 'ops') leave = operationsView(main, app);
  else if (hash.startsWith('stream/')) leave = streamTimelineView(main, app, decodeURIComponent(hash.slice('stream/'.length)));
  else leave = sessionListView(main, app);
}

function start(me: Me, credentials: Credentials): void {
  app = appContext(me, credentials, new ConsoleSocket(credentials));
  const signOut = () => {
    clearCredentials();
    location.hash = '';
    location.reload();
  };
  replace(
    top,
    h('a', { href: '#/sessions', class: 'brand' }, 'aicli'),
    h('nav', {}, h('a', { href: '#/sessions' }, 'Sessions'), h('a', { href: '#/ops' }, 'Operations')),
    h('span', { class: 'whoami', id: 'whoami' }, h('strong', {}, me.userId), ` · tenant ${me.tenant} · ${me.role}`),
    h('button', { class: 'secondary small', id: 'sign-out', onclick: signOut }, 'Sign out'),
  );
  route();
}

window.addEventListener('hashchange', route);

const saved = loadCredentials();
if (saved === null) signInView(main, start);
else {
  void call<Me>(saved, 'GET', '/me').then((me) => {
    if (me.ok) start(me.value, saved);
    else {
      clearCredentials();
      signInView(main, start);
    }
  });
}
