/** The sign-in form: an API key or a token, or (a server without auth) a user name and tenant. */
import { call, type Me } from '../api.js';
import { saveCredentials, type Credentials } from '../credentials.js';
import { h, replace } from '../dom.js';

export function signInView(root: HTMLElement, signedIn: (me: Me, credentials: Credentials) => void): void {
  const token = h('input', { id: 'token', type: 'password', autocomplete: 'off', placeholder: 'aik_… or eyJ…', size: 48 });
  const user = h('input', { id: 'open-user', placeholder: 'user (servers without auth)' });
  const tenant = h('input', { id: 'open-tenant', placeholder: 'tenant (optional)' });
  const message = h('p', { class: 'error', id: 'sign-in-error', role: 'alert' });
  const submit = async (event: Event) => {
    event.preventDefault();
    const credentials: Credentials = token.value.trim() !== '' ? { kind: 'token', token: token.value.trim() } : { kind: 'open', userId: user.value.trim(), tenant: tenant.value.trim() };
    const me = await call<Me>(credentials, 'GET', '/me');
    if (!me.ok) {
      message.textContent = `Sign-in refused: ${me.error.message}`;
      return;
    }
    saveCredentials(credentials);
    signedIn(me.value, credentials);
  };
  replace(
    root,
    h(
      'form',
      { class: 'card sign-in', id: 'sign-in', onsubmit: submit },
      h('h1', {}, 'Sign in'),
      h('label', {}, 'API key or token', token),
      h('details', {}, h('summary', {}, 'Server without authentication'), h('label', {}, 'User', user), h('label', {}, 'Tenant', tenant)),
      h('button', { type: 'submit' }, 'Sign in'),
      h('p', { class: 'muted' }, 'Kept in this tab only (session storage).'),
      message,
    ),
  );
  token.focus();
}
