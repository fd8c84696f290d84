import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXTENSION_ERROR_KIND as K } from './extension-errors.js';
import { rejectRequest, type HookContext } from './handlers.js';
import { createProcessorChain, type InboundMessage, type MessageProcessor, type OutboundChunk, type OutputContext } from './message-processors.js';

const message: InboundMessage = { sessionId: 'sess-1', tenant: 'acme', userId: 'alice', text: 'hello', clientMsgId: 'c-1' };
const chunk: OutboundChunk = { sessionId: 'sess-1', tenant: 'acme', turnId: 't-1', chunkType: 'text', content: 'hi' };

const append = (name: string, suffix: string): MessageProcessor => ({
  name,
  beforeMessage: (msg) => ({ ...msg, text: msg.text + suffix }),
  afterOutput: (out) => ({ ...out, content: `${String(out.content)}${suffix}` }),
});

const thrower = (name: string): MessageProcessor => ({
  name,
  beforeMessage: () => {
    throw new Error(`${name} broke`);
  },
  afterOutput: () => {
    throw new Error(`${name} broke`);
  },
});

afterEach(() => {
  vi.useRealTimers();
});

describe('use / remove', () => {
  it('applies the handler name rules, needs a hook, refuses duplicates, keeps order', () => {
    const chain = createProcessorChain();
    expect(chain.use(append('a', '1')).isOk()).toBe(true);
    expect(chain.use(append('b', '2')).isOk()).toBe(true);
    expect(chain.use(append('a', '3'))._unsafeUnwrapErr()).toEqual({ kind: K.ExtensionExists, name: 'a' });
    expect(chain.use(append('no space', '3'))._unsafeUnwrapErr()).toMatchObject({ kind: K.InvalidExtension, name: 'no space' });
    expect(chain.use({ name: 'empty' })._unsafeUnwrapErr()).toMatchObject({ kind: K.InvalidExtension, name: 'empty' });
    expect(chain.use({ name: 'odd', afterOutput: 1 } as unknown as MessageProcessor)._unsafeUnwrapErr()).toMatchObject({
      kind: K.InvalidExtension,
      reason: 'afterOutput must be a function',
    });
    expect(chain.use(undefined as unknown as MessageProcessor)._unsafeUnwrapErr()).toMatchObject({ kind: K.InvalidExtension });
    expect(chain.names()).toEqual(['a', 'b']);
    expect(chain.remove('a')).toBe(true);
    expect(chain.remove('a')).toBe(false);
    expect(chain.names()).toEqual(['b']);
    expect(chain.processOutbound(chunk).chunk?.content).toBe('hi2');
  });
});

describe('processInbound', () => {
  it('returns the message itself with no beforeMessage hooks', async () => {
    const chain = createProcessorChain();
    chain.use({ name: 'out-only', afterOutput: (out) => out });
    expect((await chain.processInbound(message))._unsafeUnwrap()).toBe(message);
  });

  it('runs processors in order, each seeing the previous output, with its own context', async () => {
    const contexts: HookContext[] = [];
    const chain = createProcessorChain({ now: () => 7 });
    chain.use(append('a', '1'));
    chain.use({
      name: 'b',
      beforeMessage: async (msg, context) => {
        contexts.push(context);
        return { ...msg, text: `${msg.text}2` };
      },
    });
    expect((await chain.processInbound(message))._unsafeUnwrap()).toEqual({ ...message, text: 'hello12' });
    expect(contexts).toMatchObject([{ handler: 'b', at: 7 }]);
  });

  it('stops at a rejection with MessageRejected', async () => {
    const later = vi.fn((msg: InboundMessage) => msg);
    const chain = createProcessorChain();
    chain.use({ name: 'guard', beforeMessage: () => rejectRequest('contains a secret', 'secret') });
    chain.use({ name: 'later', beforeMessage: later });
    expect((await chain.processInbound(message))._unsafeUnwrapErr()).toEqual({
      kind: K.MessageRejected,
      processor: 'guard',
      message: 'contains a secret',
      code: 'secret',
    });
    expect(later).not.toHaveBeenCalled();
  });

  it('turns a throw into ProcessorFailed', async () => {
    const chain = createProcessorChain();
    chain.use(thrower('bad'));
    expect((await chain.processInbound(message))._unsafeUnwrapErr()).toEqual({
      kind: K.ProcessorFailed,
      processor: 'bad',
      hook: 'beforeMessage',
      message: 'bad broke',
    });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['empty text', { ...message, text: '' }],
    ['text that is not a string', { ...message, text: 42 }],
    ['another session', { ...message, sessionId: 'sess-2' }],
    ['another tenant', { ...message, tenant: 'evil' }],
    ['another user', { ...message, userId: 'mallory' }],
    ['another clientMsgId', { ...message, clientMsgId: 'c-2' }],
  ])('refuses %s as ProcessorFailed (processors may not re-route a message)', async (_label, returned) => {
    const chain = createProcessorChain();
    chain.use({ name: 'sloppy', beforeMessage: () => returned as InboundMessage });
    expect((await chain.processInbound(message))._unsafeUnwrapErr()).toMatchObject({
      kind: K.ProcessorFailed,
      processor: 'sloppy',
      hook: 'beforeMessage',
      message: expect.stringContaining('invalid message'),
    });
  });

  it('times out a hung processor and aborts its signal', async () => {
    vi.useFakeTimers();
    let signal: AbortSignal | undefined;
    const chain = createProcessorChain({ hookTimeoutMs: 200 });
    chain.use({
      name: 'hung',
      beforeMessage: (_msg, context) => {
        signal = context.signal;
        return new Promise<InboundMessage>(() => undefined);
      },
    });
    const pending = chain.processInbound(message);
    await vi.advanceTimersByTimeAsync(200);
    expect((await pending)._unsafeUnwrapErr()).toEqual({ kind: K.ProcessorFailed, processor: 'hung', hook: 'beforeMessage', message: 'timed out after 200 ms' });
    expect(signal?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('processOutbound', () => {
  it('with no processors returns the chunk itself and one shared empty fault list', () => {
    const chain = createProcessorChain();
    const first = chain.processOutbound(chunk);
    const second = chain.processOutbound(chunk);
    expect(first.chunk).toBe(chunk);
    expect(first.faults).toEqual([]);
    expect(second.faults).toBe(first.faults);
    expect(Object.isFrozen(first.faults)).toBe(true);
  });

  it('runs processors in order and hands each the same frozen context every time', () => {
    const contexts: OutputContext[] = [];
    const chain = createProcessorChain();
    chain.use(append('a', '1'));
    chain.use({ name: 'spy', afterOutput: (out, context) => (contexts.push(context), out) });
    chain.use(append('c', '3'));
    expect(chain.processOutbound(chunk)).toEqual({ chunk: { ...chunk, content: 'hi13' }, faults: [] });
    chain.processOutbound(chunk);
    expect(contexts[0]).toEqual({ processor: 'spy' });
    expect(contexts[1]).toBe(contexts[0]);
    expect(Object.isFrozen(contexts[0])).toBe(true);
  });

  it('drops the chunk on null and stops the chain', () => {
    const later = vi.fn((out: OutboundChunk) => out);
    const chain = createProcessorChain();
    chain.use({ name: 'drop', afterOutput: () => null });
    chain.use({ name: 'later', afterOutput: later });
    expect(chain.processOutbound(chunk)).toEqual({ chunk: null, faults: [] });
    expect(later).not.toHaveBeenCalled();
  });

  it('skips a throwing processor: the chunk it got goes on unchanged and the failure is a fault', () => {
    const chain = createProcessorChain();
    chain.use(append('a', '1'));
    chain.use(thrower('bad'));
    chain.use(append('c', '3'));
    expect(chain.processOutbound(chunk)).toEqual({
      chunk: { ...chunk, content: 'hi13' },
      faults: [{ kind: K.ProcessorFailed, processor: 'bad', hook: 'afterOutput', message: 'bad broke' }],
    });
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a string', 'hi'],
    ['another turn', { ...chunk, turnId: 't-2' }],
    ['another session', { ...chunk, sessionId: 'sess-2' }],
    ['no content', { ...chunk, content: undefined }],
    ['an empty chunkType', { ...chunk, chunkType: '' }],
  ])('skips a processor that returns %s and reports it', (_label, returned) => {
    const chain = createProcessorChain();
    chain.use({ name: 'sloppy', afterOutput: () => returned as OutboundChunk });
    const result = chain.processOutbound(chunk);
    expect(result.chunk).toBe(chunk);
    expect(result.faults).toMatchObject([{ kind: K.ProcessorFailed, processor: 'sloppy', hook: 'afterOutput' }]);
  });

  it('skips a processor that returns a promise, without an unhandled rejection', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const chain = createProcessorChain();
      chain.use({ name: 'async', afterOutput: (() => Promise.reject(new Error('late'))) as unknown as MessageProcessor['afterOutput'] });
      const result = chain.processOutbound(chunk);
      expect(result.chunk).toBe(chunk);
      expect(result.faults[0]?.message).toContain('synchronous');
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('property: output is never lost to buggy processors; only null drops it, and each failure is one fault', () => {
    type Kind = 'pass' | 'tag' | 'throw' | 'garbage' | 'drop';
    const build = (kind: Kind, i: number): MessageProcessor => {
      const name = `p${i}`;
      switch (kind) {
        case 'pass':
          return { name, afterOutput: (out) => out };
        case 'tag':
          return append(name, `+${i}`);
        case 'throw':
          return thrower(name);
        case 'garbage':
          return { name, afterOutput: () => ({ nonsense: true }) as unknown as OutboundChunk };
        case 'drop':
          return { name, afterOutput: () => null };
      }
    };
    fc.assert(
      fc.property(fc.array(fc.constantFrom<Kind>('pass', 'tag', 'throw', 'garbage', 'drop'), { maxLength: 8 }), (kinds) => {
        const chain = createProcessorChain();
        kinds.forEach((kind, i) => chain.use(build(kind, i)));
        const { chunk: out, faults } = chain.processOutbound(chunk);
        const dropAt = kinds.indexOf('drop');
        const ran = dropAt === -1 ? kinds : kinds.slice(0, dropAt);
        expect(faults).toHaveLength(ran.filter((kind) => kind === 'throw' || kind === 'garbage').length);
        if (dropAt !== -1) {
          expect(out).toBeNull();
          return;
        }
        const tags = kinds.flatMap((kind, i) => (kind === 'tag' ? [`+${i}`] : [])).join('');
        expect(out).toEqual({ ...chunk, content: `hi${tags}` });
      }),
    );
  });
});
