import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyConversation, foldEvent, pendingApprovals, type ConversationEvent } from './conversation.js';

const at = 1_700_000_000_000;
const ev = (revision: number, eventType: string, data: Record<string, unknown>): ConversationEvent => ({ revision, eventType, data, at });
const delta = (revision: number, text: string) => ev(revision, 'AgentOutputReceived', { turnId: 't1', chunkType: 'stream_event', content: { text } });

/** A turn with streamed text, a tool use asking for approval, its answer and the tool's result. */
const TURN: ConversationEvent[] = [
  ev(0, 'SessionProvisioned', {}),
  ev(1, 'MessageAccepted', { turnId: 't1', text: 'hi', userId: 'ada' }),
  delta(2, 'echo'),
  delta(3, ': hi'),
  ev(4, 'AgentOutputReceived', { turnId: 't1', chunkType: 'assistant', content: { text: 'echo: hi', blocks: [{ type: 'tool_use', id: 'u1', name: 'Bash', input: { command: 'ls' } }] } }),
  ev(5, 'ToolApprovalRequested', { turnId: 't1', requestId: 'r1', toolName: 'Bash', input: { command: 'ls' } }),
  ev(6, 'ToolApprovalDecided', { turnId: 't1', requestId: 'r1', toolName: 'Bash', behavior: 'allow', decidedBy: 'human', userId: 'bob' }),
  ev(7, 'AgentOutputReceived', { turnId: 't1', chunkType: 'user', content: { blocks: [{ type: 'tool_result', tool_use_id: 'u1', content: 'file' }] } }),
  ev(8, 'AgentOutputReceived', { turnId: 't1', chunkType: 'api_retry', content: { attempt: 4, maxRetries: 10, retryDelayMs: 9000, errorStatus: null } }),
  ev(9, 'TurnCompleted', { turnId: 't1', costUsd: 0.001, isError: false }),
];

describe('the conversation fold', () => {
  it('shows text as it streams, then the whole message; tools with results; approvals as answered; retries as such', () => {
    const conversation = emptyConversation();
    for (const event of TURN.slice(0, 4)) foldEvent(conversation, event);
    expect(conversation.items.map((item) => item.kind)).toEqual(['user', 'assistant']);
    expect(conversation.items[1]).toMatchObject({ text: 'echo: hi', streaming: true });
    for (const event of TURN.slice(4, 6)) foldEvent(conversation, event);
    expect(pendingApprovals(conversation).map((item) => item.requestId)).toEqual(['r1']);
    for (const event of TURN.slice(6)) foldEvent(conversation, event);
    expect(pendingApprovals(conversation)).toEqual([]);
    expect(conversation.items.map((item) => item.kind)).toEqual(['user', 'assistant', 'tool', 'approval', 'retry', 'turnEnd']);
    expect(conversation.items[2]).toMatchObject({ name: 'Bash', result: 'file', isError: false });
    expect(conversation.items[3]).toMatchObject({ status: 'allowed', by: 'bob' });
    expect(conversation.items[4]).toMatchObject({ text: 'API unreachable, retry 4/10 in 9 s' });
  });

  it('stops the cursor of a turn cut short: the text so far stays, no longer streaming', () => {
    const conversation = emptyConversation();
    for (const event of [...TURN.slice(0, 3), ev(3, 'TurnAborted', { turnId: 't1', reason: 'shutdown' })]) foldEvent(conversation, event);
    expect(conversation.items[1]).toMatchObject({ kind: 'assistant', text: 'echo', streaming: false });
    expect(conversation.items[2]).toMatchObject({ kind: 'error', text: 'turn aborted (shutdown)' });
  });

  it('folds each revision once: repeats (a resumed subscription) change nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: TURN.length - 1 }), { maxLength: 30 }), (repeats) => {
        const once = emptyConversation();
        for (const event of TURN) foldEvent(once, event);
        const repeated = emptyConversation();
        let next = 0;
        for (const index of repeats) {
          // Deliver everything up to `index` (some again), as a reconnect from an older revision would.
          for (; next <= index; next++) foldEvent(repeated, TURN[next]!);
          for (let again = 0; again <= index; again++) expect(foldEvent(repeated, TURN[again]!)).toBe(false);
        }
        for (; next < TURN.length; next++) foldEvent(repeated, TURN[next]!);
        expect(JSON.stringify(repeated.items)).toBe(JSON.stringify(once.items));
      }),
    );
  });
});
