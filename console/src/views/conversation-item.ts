/** Draws one conversation item; approvals get their buttons when the caller may answer. */
import { h } from '../dom.js';
import { json, usd } from '../format.js';
import type { Item } from '../model/conversation.js';

/** How the caller answers an approval. */
export type Decide = (requestId: string, decision: { behavior: 'allow' | 'deny'; updatedInput?: unknown; message?: string; always?: boolean }) => void;

export function drawItem(item: Item, canDecide: boolean, decide: Decide): HTMLElement {
  const base = { class: `item item-${item.kind}`, 'data-key': item.key, 'data-revision': item.revision };
  switch (item.kind) {
    case 'user':
      return h('div', base, h('span', { class: 'who' }, item.userId), h('div', { class: 'text' }, item.text));
    case 'assistant':
      return h('div', { ...base, 'data-streaming': item.streaming }, h('span', { class: 'who' }, 'claude'), h('div', { class: 'text' }, item.text));
    case 'tool':
      return h(
        'details',
        { ...base, class: `${base.class}${item.isError ? ' failed' : ''}` },
        h('summary', {}, `tool ${item.name}`, item.result === null ? ' …' : item.isError ? ' ✗' : ' ✓'),
        h('pre', {}, json(item.input)),
        item.result === null ? null : h('pre', { class: 'result' }, item.result),
      );
    case 'approval': {
      const input = h('textarea', { class: 'approval-input', rows: 3 }, json(item.input));
      const pending = item.status === 'pending';
      const editedInput = (): unknown => {
        try {
          return JSON.parse(input.value);
        } catch {
          return item.input;
        }
      };
      return h(
        'div',
        { ...base, 'data-request': item.requestId, 'data-status': item.status },
        h('strong', {}, `${item.toolName} asks for approval`),
        pending && canDecide ? input : h('pre', {}, json(item.input)),
        pending
          ? canDecide
            ? h(
                'div',
                { class: 'actions' },
                h('button', { 'data-approve': 'allow', onclick: () => decide(item.requestId, { behavior: 'allow', updatedInput: editedInput() }) }, 'Allow'),
                h('button', { 'data-approve': 'always', onclick: () => decide(item.requestId, { behavior: 'allow', updatedInput: editedInput(), always: true }) }, 'Always allow'),
                h('button', { class: 'danger', 'data-approve': 'deny', onclick: () => decide(item.requestId, { behavior: 'deny', message: 'denied from the console' }) }, 'Deny'),
              )
            : h('p', { class: 'muted' }, 'waiting for an owner or editor')
          : h('p', { class: `outcome outcome-${item.status}` }, `${item.status}${item.by === null ? '' : ` by ${item.by}`}${item.note === null ? '' : ` (${item.note})`}`),
      );
    }
    case 'retry':
      return h('div', base, '⟳ ', item.text);
    case 'error':
      return h('div', base, '⚠ ', item.text);
    case 'notice':
      return h('div', base, item.text);
    case 'turnEnd':
      return h('div', base, `turn ${item.isError ? 'failed' : 'done'} · ${usd(item.costUsd)}`);
  }
}
