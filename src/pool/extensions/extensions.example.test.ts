/**
 * The extension example of docs/session-pool.md, kept honest by running it: a pool handler that puts `readonly-*` tenants in
 * plan mode and caps sessions per user, and a processor that redacts Anthropic API keys both ways.
 */
import { describe, expect, it } from 'vitest';
import { EXTENSION_ERROR_KIND } from './extension-errors.js';
import { createHandlerRegistry, rejectRequest, type PoolHandler } from './handlers.js';
import { createProcessorChain, type MessageProcessor } from './message-processors.js';
import type { SessionLease, SessionRequest } from '../sessions/request.js';

// ---- the example ----

/** `readonly-*` tenants only plan; each user holds at most `max` sessions at once. */
function tenantPolicy(max: number): PoolHandler {
  const held = new Map<string, Set<string>>(); // "tenant/user" -> session ids
  const heldBy = ({ tenant, userId }: { tenant: string; userId: string }) => {
    const key = `${tenant}/${userId}`;
    return held.get(key) ?? held.set(key, new Set()).get(key)!;
  };
  return {
    onCreate(request) {
      if (heldBy(request).size >= max) return rejectRequest(`at most ${max} sessions per user`, 'too_many_sessions');
      if (!request.tenant.startsWith('readonly-')) return request;
      return { ...request, options: { ...request.options, permissionMode: 'plan' } };
    },
    onAcquire: (lease) => void heldBy(lease).add(lease.sessionId),
    onRelease: (lease) => void heldBy(lease).delete(lease.sessionId),
  };
}

const API_KEY = /sk-ant-[A-Za-z0-9_-]{8,}/g;
const redact = (value: unknown): unknown =>
  typeof value === 'string' ? value.replace(API_KEY, 'sk-ant-[REDACTED]')
  : Array.isArray(value) ? value.map(redact)
  : typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]))
  : value;

/** Keeps API keys out of the event store and off the wire, in user messages and in agent output. */
const redactApiKeys: MessageProcessor = {
  name: 'redact-api-keys',
  beforeMessage: (message) => ({ ...message, text: redact(message.text) as string }),
  afterOutput: (chunk) => ({ ...chunk, content: redact(chunk.content) }),
};

// ---- the checks ----

const handlers = createHandlerRegistry();
const processors = createProcessorChain();
const pool = { registerHandler: handlers.register, useProcessor: processors.use };
pool.registerHandler('tenant-policy', tenantPolicy(2));
pool.useProcessor(redactApiKeys);

const request = (tenant: string, userId = 'alice'): SessionRequest => ({
  tenant,
  userId,
  options: { model: null, cwd: '/work', permissionMode: 'acceptEdits', allowedTools: [], systemPrompt: null },
  limits: {},
  metadata: {},
});
const lease = (sessionId: string, req: SessionRequest): SessionLease => ({
  sessionId,
  tenant: req.tenant,
  userId: req.userId,
  request: req,
  source: 'cold',
  acquiredAt: 0,
});

describe('extension example', () => {
  it('puts readonly-* tenants in plan mode and leaves the others alone', async () => {
    expect((await handlers.runCreate(request('readonly-audit')))._unsafeUnwrap().options.permissionMode).toBe('plan');
    expect((await handlers.runCreate(request('acme')))._unsafeUnwrap().options.permissionMode).toBe('acceptEdits');
  });

  it('refuses a third session while the user holds two, and allows it after a release', async () => {
    const req = request('acme', 'bob');
    await handlers.runAcquire(lease('s1', req));
    await handlers.runAcquire(lease('s2', req));
    expect((await handlers.runCreate(req))._unsafeUnwrapErr()).toMatchObject({ kind: EXTENSION_ERROR_KIND.HandlerRejected, code: 'too_many_sessions' });
    expect((await handlers.runCreate(request('acme', 'carol'))).isOk()).toBe(true);
    await handlers.runRelease(lease('s1', req));
    expect((await handlers.runCreate(req)).isOk()).toBe(true);
  });

  it('redacts API keys from user text and from agent content', async () => {
    const key = 'sk-ant-api03-AbCdEf0123456789';
    const inbound = await processors.processInbound({ sessionId: 's1', tenant: 'acme', userId: 'alice', text: `use ${key}`, clientMsgId: null });
    expect(inbound._unsafeUnwrap().text).toBe('use sk-ant-[REDACTED]');
    const content = [{ type: 'text', text: `export KEY=${key}` }];
    const { chunk, faults } = processors.processOutbound({ sessionId: 's1', tenant: 'acme', turnId: 't1', chunkType: 'assistant', content });
    expect(chunk?.content).toEqual([{ type: 'text', text: 'export KEY=sk-ant-[REDACTED]' }]);
    expect(faults).toEqual([]);
  });
});
