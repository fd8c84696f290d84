import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeExtensionError, EXTENSION_ERROR_KIND as K, isExtensionError, type ExtensionError } from './extension-errors.js';
import { createHandlerRegistry, isHandlerRejection, rejectRequest, type HookContext, type PoolHandler } from './handlers.js';
import type { SessionLease, SessionRequest } from '../sessions/request.js';

const request: SessionRequest = {
  tenant: 'acme',
  userId: 'alice',
  options: { model: 'sonnet', cwd: '/work', permissionMode: 'default', allowedTools: ['Read'], systemPrompt: null },
  limits: { turnTimeoutMs: 60_000 },
  metadata: {},
};

const lease: SessionLease = { sessionId: 'sess-1', tenant: 'acme', userId: 'alice', request, source: 'warm', acquiredAt: 1_000 };

const tag = (label: string): PoolHandler => ({
  onCreate: (req) => ({ ...req, metadata: { ...req.metadata, trail: `${req.metadata['trail'] ?? ''}${label}` } }),
});

const failure = async (registry: ReturnType<typeof createHandlerRegistry>, req = request): Promise<ExtensionError> =>
  (await registry.runCreate(req))._unsafeUnwrapErr();

afterEach(() => {
  vi.useRealTimers();
});

describe('register', () => {
  it('accepts 1-64 of [A-Za-z0-9_.-] and lists names in registration order', () => {
    const registry = createHandlerRegistry();
    for (const name of ['b', 'a.1', 'x'.repeat(64), 'under_score-dash']) expect(registry.register(name, tag(name)).isOk()).toBe(true);
    expect(registry.names()).toEqual(['b', 'a.1', 'x'.repeat(64), 'under_score-dash']);
  });

  it.each([[''], ['x'.repeat(65)], ['has space'], ['a/b'], ['ünï']])('refuses the name %j', (name) => {
    const result = createHandlerRegistry().register(name, tag('t'));
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: K.InvalidExtension, name });
  });

  it('refuses a handler without hooks, with a hook that is not a function, or that is not an object', () => {
    const registry = createHandlerRegistry();
    expect(registry.register('none', {})._unsafeUnwrapErr()).toMatchObject({ kind: K.InvalidExtension, reason: expect.stringContaining('at least one') });
    const bad = { onAcquire: 'yes' } as unknown as PoolHandler;
    expect(registry.register('bad', bad)._unsafeUnwrapErr()).toMatchObject({ kind: K.InvalidExtension, reason: 'onAcquire must be a function' });
    expect(registry.register('null', null as unknown as PoolHandler)._unsafeUnwrapErr()).toMatchObject({ kind: K.InvalidExtension });
    expect(registry.names()).toEqual([]);
  });

  it('refuses a duplicate name; after unregister the name is free and goes to the end', () => {
    const registry = createHandlerRegistry();
    registry.register('a', tag('a'));
    registry.register('b', tag('b'));
    expect(registry.register('a', tag('a2'))._unsafeUnwrapErr()).toEqual({ kind: K.ExtensionExists, name: 'a' });
    expect(registry.unregister('a')).toBe(true);
    expect(registry.unregister('a')).toBe(false);
    expect(registry.register('a', tag('a')).isOk()).toBe(true);
    expect(registry.names()).toEqual(['b', 'a']);
  });
});

describe('runCreate', () => {
  it('returns the request itself when no handler has onCreate', async () => {
    const registry = createHandlerRegistry();
    expect((await registry.runCreate(request))._unsafeUnwrap()).toBe(request);
    registry.register('watch', { onAcquire: () => undefined });
    expect((await registry.runCreate(request))._unsafeUnwrap()).toBe(request);
  });

  it('runs handlers in registration order, each seeing the previous output (sync and async)', async () => {
    const registry = createHandlerRegistry();
    registry.register('one', tag('1'));
    registry.register('two', { onCreate: async (req) => tag('2').onCreate!(req, {} as HookContext) });
    registry.register('three', tag('3'));
    expect((await registry.runCreate(request))._unsafeUnwrap().metadata).toEqual({ trail: '123' });
  });

  it('keeps `this` for class handlers (the BaseHandler delegation pattern)', async () => {
    class Base implements PoolHandler {
      onCreate(req: SessionRequest): SessionRequest {
        return { ...req, metadata: { ...req.metadata, base: 'yes' } };
      }
    }
    class Custom extends Base {
      readonly model = 'opus';
      override onCreate(req: SessionRequest): SessionRequest {
        return super.onCreate({ ...req, options: { ...req.options, model: this.model } });
      }
    }
    const registry = createHandlerRegistry();
    registry.register('custom', new Custom());
    const created = (await registry.runCreate(request))._unsafeUnwrap();
    expect(created.options.model).toBe('opus');
    expect(created.metadata).toEqual({ base: 'yes' });
  });

  it('stops at the first rejection with HandlerRejected; later handlers never run', async () => {
    const later = vi.fn(tag('late').onCreate!);
    const registry = createHandlerRegistry();
    registry.register('first', tag('1'));
    registry.register('gate', { onCreate: () => rejectRequest('quota exhausted', 'quota') });
    registry.register('late', { onCreate: later });
    expect(await failure(registry)).toEqual({ kind: K.HandlerRejected, handler: 'gate', message: 'quota exhausted', code: 'quota' });
    expect(later).not.toHaveBeenCalled();
  });

  it('gives a rejection without a code the default code', async () => {
    const registry = createHandlerRegistry();
    registry.register('gate', { onCreate: async () => rejectRequest('no') });
    expect(await failure(registry)).toMatchObject({ kind: K.HandlerRejected, code: 'rejected' });
  });

  it('turns a throw or a rejected promise into HandlerFailed', async () => {
    const throws = createHandlerRegistry();
    throws.register('boom', {
      onCreate: () => {
        throw new Error('kaput');
      },
    });
    expect(await failure(throws)).toEqual({ kind: K.HandlerFailed, handler: 'boom', hook: 'onCreate', message: 'kaput' });
    const rejects = createHandlerRegistry();
    rejects.register('boom', { onCreate: () => Promise.reject('nope') });
    expect(await failure(rejects)).toEqual({ kind: K.HandlerFailed, handler: 'boom', hook: 'onCreate', message: 'nope' });
  });

  it.each<[string, unknown]>([
    ['undefined (forgot to return)', undefined],
    ['an unsafe tenant', { ...request, tenant: '../other' }],
    ['an empty userId', { ...request, userId: '' }],
    ['an unknown permission mode', { ...request, options: { ...request.options, permissionMode: 'yolo' } }],
    ['allowedTools of numbers', { ...request, options: { ...request.options, allowedTools: [1] } }],
    ['an unknown limit', { ...request, limits: { turnTimeout: 5 } }],
    ['a negative limit', { ...request, limits: { turnTimeoutMs: -1 } }],
    ['metadata that is not all strings', { ...request, metadata: { count: 3 } }],
    ['no limits', { ...request, limits: undefined }],
  ])('turns a returned value with %s into HandlerFailed', async (_label, returned) => {
    const registry = createHandlerRegistry();
    registry.register('sloppy', { onCreate: () => returned as SessionRequest });
    expect(await failure(registry)).toMatchObject({ kind: K.HandlerFailed, handler: 'sloppy', hook: 'onCreate', message: expect.stringContaining('invalid SessionRequest') });
  });

  it('accepts idleTimeoutMs: null (never hibernate)', async () => {
    const registry = createHandlerRegistry();
    registry.register('keep', { onCreate: (req) => ({ ...req, limits: { idleTimeoutMs: null } }) });
    expect((await registry.runCreate(request)).isOk()).toBe(true);
  });

  it('times out a hung hook: its signal is aborted, HandlerFailed, no timer left behind', async () => {
    vi.useFakeTimers();
    let seen: HookContext | undefined;
    const registry = createHandlerRegistry({ hookTimeoutMs: 100, now: () => 42 });
    registry.register('slow', {
      onCreate: (_req, context) => {
        seen = context;
        return new Promise<SessionRequest>(() => undefined);
      },
    });
    const pending = registry.runCreate(request);
    await vi.advanceTimersByTimeAsync(99);
    expect(seen?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending)._unsafeUnwrapErr()).toEqual({ kind: K.HandlerFailed, handler: 'slow', hook: 'onCreate', message: 'timed out after 100 ms' });
    expect(seen).toMatchObject({ handler: 'slow', at: 42 });
    expect(seen?.signal.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears the timer of an async hook that finishes in time', async () => {
    vi.useFakeTimers();
    const registry = createHandlerRegistry();
    registry.register('quick', { onCreate: async (req) => req });
    expect((await registry.runCreate(request)).isOk()).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('property: the output reflects every tagging handler, in registration order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.stringMatching(/^[a-z]{1,4}$/), { maxLength: 6 }), async (labels) => {
        const registry = createHandlerRegistry();
        for (const label of labels) registry.register(label, tag(`${label};`));
        const created = (await registry.runCreate(request))._unsafeUnwrap();
        expect(created.metadata['trail'] ?? '').toBe(labels.map((label) => `${label};`).join(''));
      }),
    );
  });
});

describe('runAcquire / runRelease', () => {
  it('runs every hook even after failures and collects the failures as faults', async () => {
    const log: string[] = [];
    const registry = createHandlerRegistry();
    registry.register('throws', {
      onAcquire: () => {
        throw new Error('bad');
      },
    });
    registry.register('rejects', { onAcquire: async () => Promise.reject(new Error('worse')) });
    registry.register('create-only', tag('x'));
    registry.register('counts', { onAcquire: (l) => void log.push(`acquire ${l.sessionId}`), onRelease: (l) => void log.push(`release ${l.sessionId}`) });
    expect(await registry.runAcquire(lease)).toEqual([
      { kind: K.HandlerFailed, handler: 'throws', hook: 'onAcquire', message: 'bad' },
      { kind: K.HandlerFailed, handler: 'rejects', hook: 'onAcquire', message: 'worse' },
    ]);
    expect(await registry.runRelease(lease)).toEqual([]);
    expect(log).toEqual(['acquire sess-1', 'release sess-1']);
  });

  it('reports a hung lease hook as a timeout fault and goes on with the next handler', async () => {
    vi.useFakeTimers();
    const after = vi.fn();
    const registry = createHandlerRegistry({ hookTimeoutMs: 50 });
    registry.register('hung', { onRelease: () => new Promise<void>(() => undefined) });
    registry.register('after', { onRelease: after });
    const pending = registry.runRelease(lease);
    await vi.advanceTimersByTimeAsync(50);
    expect(await pending).toEqual([{ kind: K.HandlerFailed, handler: 'hung', hook: 'onRelease', message: 'timed out after 50 ms' }]);
    expect(after).toHaveBeenCalledOnce();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('rejections and options', () => {
  it('property: only rejectRequest builds something isHandlerRejection accepts', () => {
    fc.assert(fc.property(fc.anything(), (value) => !isHandlerRejection(value)));
    fc.assert(fc.property(fc.string(), fc.string(), (message, code) => isHandlerRejection(rejectRequest(message, code))));
  });

  it('refuses a hook timeout that is not a positive number (a bug in the caller)', () => {
    expect(() => createHandlerRegistry({ hookTimeoutMs: 0 })).toThrow(RangeError);
  });
});

describe('extension errors', () => {
  it('describes every kind in one line and recognises them by kind alone', () => {
    const errors: ExtensionError[] = [
      { kind: K.InvalidExtension, name: 'x', reason: 'bad name' },
      { kind: K.ExtensionExists, name: 'x' },
      { kind: K.HandlerRejected, handler: 'h', message: 'no', code: 'quota' },
      { kind: K.HandlerFailed, handler: 'h', hook: 'onAcquire', message: 'boom' },
      { kind: K.MessageRejected, processor: 'p', message: 'no', code: 'secret' },
      { kind: K.ProcessorFailed, processor: 'p', hook: 'afterOutput', message: 'boom' },
    ];
    expect(new Set(errors.map((error) => error.kind))).toEqual(new Set(Object.values(K)));
    for (const error of errors) {
      expect(isExtensionError(structuredClone(error))).toBe(true);
      expect(describeExtensionError(error)).toMatch(/^[^\n]+$/);
    }
    expect(describeExtensionError(errors[2]!)).toBe('pool handler "h" rejected the session request (quota): no');
    expect(isExtensionError({ kind: 'ActorNotFound' })).toBe(false);
  });
});
