/** The session machine's states in a row, the current one highlighted: a small picture of where the machine is. */
import { SESSION_STATES } from '../../../machines/session.states.js';
import { h } from '../dom.js';

export function stateStrip(current: string): HTMLElement {
  return h('ol', { class: 'state-strip', 'aria-label': 'session states' }, ...SESSION_STATES.map((state) => h('li', { class: state === current ? 'current' : '', 'data-state': state }, state)));
}
