import { describe, expect, it } from 'vitest';
import { BREAKER_EVENT } from './circuit-breaker.events.js';
import { circuitBreakerMachine } from './circuit-breaker.machine.js';
import { persist, replay, restore, start, step } from './replay.js';
import { sessionMachine } from './session.machine.js';
import { ev, testSessionInput } from './testing/session-fixtures.js';
import { emitted } from './testing/given-when-then.js';

const fail = (at: number) => ({ type: BREAKER_EVENT.CALL_FAILED, at, durationMs: 1 }) as const;

describe('replay', () => {
  it('start returns the initial snapshot and its entry actions without running them', () => {
    const { snapshot, actions } = start(sessionMachine, testSessionInput);
    expect(snapshot.value).toBe('provisioning');
    expect(emitted(actions).map((a) => a.type)).toEqual(['spawnAgent']);
  });

  it('step reports whether an event was accepted; an ignored one leaves the very same snapshot', () => {
    const { snapshot } = start(circuitBreakerMachine, { name: 'b' });
    const ignored = step(circuitBreakerMachine, snapshot, { type: BREAKER_EVENT.PROBE_STARTED, at: 1 });
    expect(ignored.accepted).toBe(false);
    expect(ignored.snapshot).toBe(snapshot);
    expect(step(circuitBreakerMachine, snapshot, fail(1)).accepted).toBe(true);
  });

  it('refuses every event once the machine is done, as a live actor would', () => {
    const ended = replay(sessionMachine, testSessionInput, [ev.terminate(1, 'first')]);
    const again = step(sessionMachine, ended, ev.terminate(2, 'second'));
    expect(again).toEqual({ snapshot: ended, actions: [], accepted: false });
    expect(replay(sessionMachine, testSessionInput, [ev.terminate(2, 'second')], ended).context.endReason).toBe('first');
  });

  it('replay folds from the initial snapshot or from a restored one', () => {
    const events = [fail(1), fail(2), fail(3), fail(4)];
    const full = replay(circuitBreakerMachine, { name: 'b' }, events);
    const half = persist(circuitBreakerMachine, replay(circuitBreakerMachine, { name: 'b' }, events.slice(0, 2)));
    const resumed = replay(circuitBreakerMachine, { name: 'b' }, events.slice(2), restore(circuitBreakerMachine, half));
    expect(resumed.value).toBe(full.value);
    expect(resumed.context).toEqual(full.context);
  });
});
