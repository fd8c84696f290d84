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
