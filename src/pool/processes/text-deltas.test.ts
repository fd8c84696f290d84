import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SESSION_EVENT, type AgentOutputEvent } from '../../../machines/index.js';
import { TextDeltas } from './text-deltas.js';

const delta = (turnId: string, text: string, at: number): AgentOutputEvent => ({
  type: SESSION_EVENT.AGENT_OUTPUT,
  at,
  turnId,
  chunkType: 'stream_event',
  content: { eventType: 'content_block_delta', text },
});

describe('TextDeltas', () => {
  it('joins the deltas of a turn into the first one’s event, and then has none pending', () => {
    const deltas = new TextDeltas();
    expect(deltas.take()).toBeUndefined();
    expect(deltas.add(delta('t1', 'echo', 5))).toBeUndefined();
    expect(deltas.add(delta('t1', ': hi', 9))).toBeUndefined();
    expect(deltas.pending).toBe(true);
    expect(deltas.take()).toEqual(delta('t1', 'echo: hi', 5));
    expect(deltas.pending).toBe(false);
    expect(deltas.take()).toBeUndefined();
  });

  it('hands back the previous turn’s deltas when another turn’s arrive', () => {
    const deltas = new TextDeltas();
    deltas.add(delta('t1', 'a', 1));
    expect(deltas.add(delta('t2', 'b', 2))).toEqual(delta('t1', 'a', 1));
    expect(deltas.take()).toEqual(delta('t2', 'b', 2));
  });

  it('stores nothing for deltas that the complete message of their turn, arriving with them, contains', () => {
    const deltas = new TextDeltas();
    deltas.add(delta('t1', 'echo', 1));
    deltas.add(delta('t1', ': hi', 2));
    expect(deltas.take({ turnId: 't1', text: 'echo: hi' })).toBeUndefined();
    expect(deltas.pending).toBe(false);
    // A message with more than the deltas (an earlier block streamed before) still contains them.
    deltas.add(delta('t1', 'second', 3));
    expect(deltas.take({ turnId: 't1', text: 'first second' })).toBeUndefined();
  });

  it('stores the deltas when the complete message does not contain them or is of another turn', () => {
    const deltas = new TextDeltas();
    deltas.add(delta('t1', 'partial', 1));
    expect(deltas.take({ turnId: 't1', text: 'something else' })).toEqual(delta('t1', 'partial', 1));
    deltas.add(delta('t1', 'partial', 2));
    expect(deltas.take({ turnId: 't2', text: 'partial' })).toEqual(delta('t1', 'partial', 2));
    deltas.add(delta('t1', 'partial', 3));
    expect(deltas.take({ turnId: undefined, text: 'partial' })).toEqual(delta('t1', 'partial', 3));
  });

  it('drops only text that the complete message carries', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1 }), fc.string(), fc.constantFrom('t1', 't2'), (parts, message, turnId) => {
        const deltas = new TextDeltas();
        parts.forEach((text, at) => deltas.add(delta('t1', text, at)));
        const stored = deltas.take({ turnId, text: message });
        const joined = parts.join('');
        if (stored === undefined) expect(turnId === 't1' && message.includes(joined)).toBe(true);
        else expect(stored.content?.text).toBe(joined);
        expect(deltas.pending).toBe(false);
      }),
    );
  });

  it('loses and reorders nothing, however the deltas are split into batches', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('t1', 't2', 't3'), fc.string(), fc.boolean())), (script) => {
        const deltas = new TextDeltas();
        const stored: { turnId: string; text: string }[] = [];
        const keep = (batch: AgentOutputEvent | undefined) => {
          if (batch !== undefined) stored.push({ turnId: batch.turnId, text: batch.content?.text ?? '' });
        };
        script.forEach(([turnId, text, flush], at) => {
          keep(deltas.add(delta(turnId, text, at)));
          if (flush) keep(deltas.take());
        });
        keep(deltas.take());
        // Concatenating what was stored per turn, in order, gives every delta of that turn in order.
        for (const turnId of ['t1', 't2', 't3']) {
          const sent = script.filter(([id]) => id === turnId).map(([, text]) => text).join('');
          expect(stored.filter((batch) => batch.turnId === turnId).map((batch) => batch.text).join('')).toBe(sent);
        }
      }),
    );
  });
});
