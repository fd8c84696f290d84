import { describe, expect, it } from 'vitest';
import { initialSessionContext } from '../../../machines/index.js';
import { DEFAULT_AGENT_OPTIONS } from '../../pool/index.js';
import { sessionView } from './session-view.js';

const context = initialSessionContext({ sessionId: 's-1', tenant: 'acme', owner: 'ada', at: 1_000, options: { ...DEFAULT_AGENT_OPTIONS, allowedTools: ['Read'] } });

describe('sessionView', () => {
  it('shows state, participants, options and counters, with the revision as a number', () => {
    const view = sessionView({ value: 'starting', context }, 7n);
    expect(view).toMatchObject({
      id: 's-1',
      tenant: 'acme',
      owner: 'ada',
      state: 'starting',
      participants: [{ userId: 'ada', role: 'owner' }],
      options: { model: null, cwd: '', permissionMode: 'default', allowedTools: ['Read'], systemPrompt: null },
      usage: { turns: 0, costUsd: 0 },
      currentTurn: null,
      queuedMessages: 0,
      lastFault: null,
      claudeSessionId: null,
      createdAt: 1_000,
      revision: 7,
    });
    expect(Object.keys(view.participants[0]!)).toEqual(['userId', 'role']);
  });

  it('keeps internals out: queued texts, deadlines, limits, the agent pid', () => {
    const busy = {
      ...context,
      currentTurn: { turnId: 't-1', userId: 'ada', clientMsgId: null, startedAt: 2_000, timeoutAt: 9_000, stallAt: 3_000, interruptedAt: null },
      queuedMessages: [{ turnId: 't-2', userId: 'ada', text: 'secret plans', clientMsgId: null, acceptedAt: 2_100 }],
      agent: { pid: 4242, model: null, tools: [] },
    };
    const view = sessionView({ value: 'busy', context: busy }, 9n);
    expect(view.currentTurn).toEqual({ turnId: 't-1', userId: 'ada', startedAt: 2_000 });
    expect(view.queuedMessages).toBe(1);
    const text = JSON.stringify(view);
    for (const hidden of ['secret plans', '4242', 'deadline', 'limits', 'timeoutAt']) expect(text).not.toContain(hidden);
  });
});

describe('sessionView of a pending tool approval', () => {
  it('shows what the agent asks and until when, and null once nothing waits', () => {
    const pendingApproval = {
      requestId: 'r-1',
      turnId: 't-1',
      toolName: 'Bash',
      input: { command: 'npm test' },
      toolUseId: 'tu-1',
      suggestions: [],
      reason: null,
      requestedAt: 2_000,
      expiresAt: 302_000,
    };
    const view = sessionView({ value: 'awaitingApproval', context: { ...context, pendingApproval } }, 5n);
    expect(view.pendingApproval).toEqual({ requestId: 'r-1', turnId: 't-1', toolName: 'Bash', input: { command: 'npm test' }, toolUseId: 'tu-1', requestedAt: 2_000, expiresAt: 302_000 });
    expect(sessionView({ value: 'ready', context }, 6n).pendingApproval).toBeNull();
  });
});
