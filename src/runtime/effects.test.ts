import { describe, expect, it } from 'vitest';
import { assign, emit, enqueueActions, initialTransition, log, raise, setup, transition } from 'xstate';
import { performEffects, type EffectCall } from './effects.js';
import type { HostFault } from './observer.js';

/** A machine using every kind of action, to pin down what XState's pure `transition` hands the host. */
const machine = setup({
  actions: {
    fx: (_, _params: { n: number }) => undefined,
    other: () => undefined,
  },
}).createMachine({
  context: { n: 0 },
  initial: 'a',
  states: {
    a: {
      on: {
        GO: {
          target: 'b',
          actions: [
            assign({ n: 1 }),
            { type: 'fx', params: { n: 1 } },
            log('hello'),
            raise({ type: 'NEXT' }),
            enqueueActions(({ enqueue }) => enqueue({ type: 'fx', params: { n: 2 } })),
            emit({ type: 'told' }),
            function inline() {},
          ],
        },
      },
    },
    b: { on: { NEXT: { actions: [{ type: 'fx', params: { n: 3 } }, 'other'] } } },
  },
});

describe('performEffects over real XState transition output', () => {
  it('returns named actions as { type, params, exec } in order; assign is applied, never returned', () => {
    const [start] = initialTransition(machine);
    const [next, actions] = transition(machine, start, { type: 'GO' });
    expect(next.context).toEqual({ n: 1 });
    expect(actions.map((action) => action.type)).toEqual(['fx', 'xstate.log', 'xstate.raise', 'fx', 'xstate.emit', 'inline', 'fx', 'other']);
    expect(actions.every((action) => typeof action.exec === 'function')).toBe(true);
  });

  it('calls the handler of each named action, skips settled built-ins, reports the rest', async () => {
    const [start] = initialTransition(machine);
    const [snapshot, actions] = transition(machine, start, { type: 'GO' });
    const called: EffectCall[] = [];
    const faults: HostFault[] = [];
    const performed = performEffects(
      actions,
      {
        fx: (params: { n: number }) => void called.push({ type: 'fx', params }),
        other: () => Promise.reject(new Error('async failure')),
      },
      { stream: 's', revision: 1n, eventId: 'e', correlationId: 'c', snapshot },
      (fault) => faults.push(fault),
    );
    await Promise.resolve();
    expect(called.map((call) => call.params)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(performed.map((call) => call.type)).toEqual(['fx', 'fx', 'fx', 'other']);
    expect(faults.map((fault) => [fault.kind, 'action' in fault ? fault.action : ''])).toEqual([
      ['UnhandledAction', 'xstate.emit'],
      ['UnhandledAction', 'inline'],
      ['EffectFailed', 'other'],
    ]);
  });
});
