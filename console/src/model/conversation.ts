/**
 * Folds a session's stored events into what the conversation shows: the people's messages, the agent's text as it
 * streams (deltas, then the whole message), tool calls with their results, tool approvals and how they ended, API
 * retries, faults and recoveries. Pure and DOM-free (tested beside it). Each item has a stable `key` and a `version`
 * that grows when it changes, so the view redraws only what changed.
 */
import { SESSION_OUTCOME_NAME, SESSION_PERSISTED_NAME as E } from '../../../machines/session.events.js';

/** One stored event as the page receives it. */
export interface ConversationEvent {
  readonly revision: number;
  readonly eventType: string;
  readonly data: any;
  readonly at: number;
}

export type ApprovalStatus = 'pending' | 'allowed' | 'denied' | 'expired' | 'cancelled';

export type ItemBody =
  | { kind: 'user'; userId: string; text: string }
  | { kind: 'assistant'; text: string; streaming: boolean }
  | { kind: 'tool'; toolUseId: string; name: string; input: unknown; result: string | null; isError: boolean }
  | { kind: 'approval'; requestId: string; toolName: string; input: unknown; status: ApprovalStatus; by: string | null; note: string | null }
  | { kind: 'retry'; text: string }
  | { kind: 'error'; text: string }
  | { kind: 'notice'; text: string }
  | { kind: 'turnEnd'; costUsd: number; isError: boolean };

export type Item = ItemBody & { readonly key: string; version: number; readonly revision: number; readonly turnId: string | null };

/** The folded conversation. */
export interface Conversation {
  readonly items: Item[];
  /** The revision of the last event folded (-1: none). */
  lastRevision: number;
  /** The agent's text item being streamed into, per turn. */
  readonly open: Map<string, Item & { kind: 'assistant' }>;
  readonly tools: Map<string, Item & { kind: 'tool' }>;
  readonly approvals: Map<string, Item & { kind: 'approval' }>;
}

export function emptyConversation(): Conversation {
  return { items: [], lastRevision: -1, open: new Map(), tools: new Map(), approvals: new Map() };
}

/** The approvals still waiting for an answer. */
export function pendingApprovals(conversation: Conversation): (Item & { kind: 'approval' })[] {
  return [...conversation.approvals.values()].filter((item) => item.status === 'pending');
}

function add<T extends ItemBody>(conversation: Conversation, body: T, event: ConversationEvent, key = `r${event.revision}`): Item & T {
  const item = { ...body, key, version: 0, revision: event.revision, turnId: typeof event.data?.turnId === 'string' ? event.data.turnId : null } as Item & T;
  conversation.items.push(item);
  return item;
}

const textOf = (value: unknown): string => (typeof value === 'string' ? value : Array.isArray(value) ? value.map((part) => (typeof part === 'string' ? part : (part?.text ?? ''))).join('') : JSON.stringify(value));

/** Folds one event; false (and nothing changes) for an event at or below the last one folded. */
export function foldEvent(conversation: Conversation, event: ConversationEvent): boolean {
  if (event.revision <= conversation.lastRevision) return false;
  conversation.lastRevision = event.revision;
  const data = event.data ?? {};
  switch (event.eventType) {
    case E.MESSAGE_ACCEPTED:
      add(conversation, { kind: 'user', userId: data.userId ?? '?', text: data.text ?? '' }, event);
      break;
    case E.AGENT_OUTPUT:
      foldOutput(conversation, event, data);
      break;
    case E.TURN_COMPLETED: {
      closeStream(conversation, data.turnId);
      if (data.isError === true) {
        const why = [data.result, ...(Array.isArray(data.errors) ? data.errors : [])].filter((part) => typeof part === 'string' && part !== '').join('; ');
        add(conversation, { kind: 'error', text: `the turn ended with an error${why === '' ? '' : `: ${why}`}` }, event);
      }
      add(conversation, { kind: 'turnEnd', costUsd: Number(data.costUsd ?? 0), isError: data.isError === true }, event);
      break;
    }
    case SESSION_OUTCOME_NAME.TURN_ABORTED:
      closeStream(conversation, data.turnId);
      add(conversation, { kind: 'error', text: `turn aborted (${data.reason})` }, event);
      break;
    case E.AGENT_FAULT:
      add(conversation, { kind: 'error', text: `agent ${data.fault}${data.exitCode == null ? '' : ` (exit ${data.exitCode})`}${data.detail ? `: ${data.detail}` : ''}` }, event);
      break;
    case E.RECOVERY_SUCCEEDED:
      add(conversation, { kind: 'notice', text: 'recovered: the agent is back' }, event);
      break;
    case E.RECOVERY_FAILED:
      add(conversation, { kind: 'error', text: `recovery failed${data.reason ? `: ${data.reason}` : ''}` }, event);
      break;
    case E.INTERRUPT_REQUESTED:
      add(conversation, { kind: 'notice', text: `${data.userId ?? 'someone'} interrupted` }, event);
      break;
    case E.APPROVAL_REQUESTED: {
      const item = add(conversation, { kind: 'approval', requestId: data.requestId, toolName: data.toolName, input: data.input, status: 'pending', by: null, note: null }, event, `approval:${data.requestId}`);
      conversation.approvals.set(data.requestId, item);
      break;
    }
    case E.APPROVAL_DECIDED: {
      const item = conversation.approvals.get(data.requestId);
      const status: ApprovalStatus = data.behavior === 'allow' ? 'allowed' : 'denied';
      const by = data.decidedBy === 'policy' ? `rule ${data.rule ?? ''}`.trim() : (data.userId ?? null);
      const note = data.always === true ? 'always for this session' : (data.message ?? null);
      if (item === undefined) add(conversation, { kind: 'approval', requestId: data.requestId, toolName: data.toolName, input: data.input ?? null, status, by, note }, event, `approval:${data.requestId}`);
      else Object.assign(item, { status, by, note, version: item.version + 1 });
      break;
    }
    case SESSION_OUTCOME_NAME.TOOL_APPROVAL_EXPIRED:
    case SESSION_OUTCOME_NAME.TOOL_APPROVAL_CANCELLED: {
      const item = conversation.approvals.get(data.requestId);
      const status: ApprovalStatus = event.eventType === SESSION_OUTCOME_NAME.TOOL_APPROVAL_EXPIRED ? 'expired' : 'cancelled';
      if (item !== undefined) Object.assign(item, { status, note: data.reason ?? null, version: item.version + 1 });
      break;
    }
    case E.PARTICIPANT_JOINED:
      add(conversation, { kind: 'notice', text: `${data.userId} joined as ${data.role}` }, event);
      break;
    case E.PARTICIPANT_LEFT:
      add(conversation, { kind: 'notice', text: `${data.userId} left` }, event);
      break;
    case E.HIBERNATE:
      add(conversation, { kind: 'notice', text: `hibernated (${data.reason ?? 'idle'})` }, event);
      break;
    case E.TERMINATE:
      add(conversation, { kind: 'notice', text: `terminated (${data.reason ?? ''})` }, event);
      break;
    default:
      break;
  }
  return true;
}

/** The turn's text stops streaming (it ended, or was cut short): what came so far stays as it is. */
function closeStream(conversation: Conversation, turnId: string): void {
  const open = conversation.open.get(turnId);
  if (open === undefined) return;
  conversation.open.delete(turnId);
  Object.assign(open, { streaming: false, version: open.version + 1 });
}

function foldOutput(conversation: Conversation, event: ConversationEvent, data: any): void {
  const content = data.content ?? {};
  const turnId: string = data.turnId;
  switch (data.chunkType) {
    case 'stream_event': {
      if (typeof content.text !== 'string') return;
      const open = conversation.open.get(turnId);
      if (open === undefined) conversation.open.set(turnId, add(conversation, { kind: 'assistant', text: content.text, streaming: true }, event));
      else Object.assign(open, { text: open.text + content.text, version: open.version + 1 });
      return;
    }
    case 'assistant': {
      const open = conversation.open.get(turnId);
      conversation.open.delete(turnId);
      const text = typeof content.text === 'string' ? content.text : '';
      if (open !== undefined) Object.assign(open, { text: text === '' ? open.text : text, streaming: false, version: open.version + 1 });
      else if (text !== '') add(conversation, { kind: 'assistant', text, streaming: false }, event);
      for (const block of Array.isArray(content.blocks) ? content.blocks : []) {
        if (block?.type !== 'tool_use') continue;
        const tool = add(conversation, { kind: 'tool', toolUseId: block.id, name: block.name, input: block.input, result: null, isError: false }, event, `tool:${block.id}`);
        conversation.tools.set(block.id, tool);
      }
      return;
    }
    case 'user':
      for (const block of Array.isArray(content.blocks) ? content.blocks : []) {
        if (block?.type !== 'tool_result') continue;
        const tool = conversation.tools.get(block.tool_use_id);
        if (tool !== undefined) Object.assign(tool, { result: textOf(block.content), isError: block.is_error === true, version: tool.version + 1 });
      }
      return;
    case 'api_retry': {
      const status = content.errorStatus == null ? 'API unreachable' : `API error ${content.errorStatus}${content.error ? ` (${content.error})` : ''}`;
      const wait = typeof content.retryDelayMs === 'number' ? ` in ${Number((content.retryDelayMs / 1000).toFixed(content.retryDelayMs < 10_000 ? 1 : 0))} s` : '';
      add(conversation, { kind: 'retry', text: `${status}, retry ${content.attempt}/${content.maxRetries}${wait}` }, event);
      return;
    }
    default:
      return;
  }
}
