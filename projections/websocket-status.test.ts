import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldAll } from './event.js';
import { idMapValues } from './id-map.js';
import { assertResumableFold, specFor } from './testing/given-when-then.js';
import { initialWebSocketStatus, WS_DROP_REASON, WS_STATUS_EVENT as W, webSocketStatusProjection as projection, type WsStatusEvent } from './websocket-status.js';

const T0 = 1_700_000_000_000;
const connected = (connectionId: string, userId = 'ada'): WsStatusEvent => ({ type: W.connected, connectionId, userId, at: T0 });
const subscribed = (connectionId: string, sessionId: string): WsStatusEvent => ({ type: W.subscribed, connectionId, sessionId });

describe('websocket-status: given/when/then', () => {
  it('a connection and its subscriptions are counted; a disconnect takes them away', () => {
    const given = specFor(projection).given([connected('c1'), connected('c2'), subscribed('c1', 's1'), subscribed('c2', 's1'), subscribed('c1', 's2')]);
    given.when(subscribed('c1', 's1')).then((after, before) => expect(after).toBe(before));
    given.when({ type: W.disconnected, connectionId: 'c1', reason: 'client', at: T0 + 1 }).then((after) => {
      expect(after).toMatchObject({ connections: { open: 1, closed: 1, refused: 0 }, bySession: { s1: 1 }, totalConnected: 2 });
    });
  });

  it('a drop closes the connection and counts its reason; the later disconnect changes nothing', () => {
    const dropped: WsStatusEvent = { type: W.dropped, connectionId: 'c1', reason: WS_DROP_REASON.slowConsumer };
    const after = specFor(projection)
      .given([connected('c1'), subscribed('c1', 's1')])
      .when(dropped)
      .then((state) => expect(state).toMatchObject({ connections: { open: 0, closed: 1 }, bySession: {}, dropped: { slow_consumer: 1 } }));
    expect(projection.apply(after, { type: W.disconnected, connectionId: 'c1', reason: 'gone', at: T0 })).toBe(after);
  });

  it('refusals are counted; events for unknown connections are skipped', () => {
    specFor(projection)
      .given()
      .when({ type: W.refused, reason: 'auth' })
      .then((after) => expect(after.connections.refused).toBe(1));
    specFor(projection)
      .given()
      .when(subscribed('nobody', 's1'))
      .then((after) => expect(after).toMatchObject({ skipped: 1, bySession: {} }));
  });
});

const wsEvent: fc.Arbitrary<WsStatusEvent> = (() => {
  const id = fc.constantFrom('c1', 'c2', 'c3', 'constructor');
  const session = fc.constantFrom('s1', 's2');
  return fc.oneof(
    fc.record({ type: fc.constant(W.connected), connectionId: id, userId: fc.constant('ada'), at: fc.nat() }),
    fc.record({ type: fc.constant(W.disconnected), connectionId: id, reason: fc.constant('bye'), at: fc.nat() }),
    fc.record({ type: fc.constant(W.subscribed), connectionId: id, sessionId: session }),
    fc.record({ type: fc.constant(W.unsubscribed), connectionId: id, sessionId: session }),
    fc.record({ type: fc.constant(W.dropped), connectionId: id, reason: fc.constantFrom(...Object.values(WS_DROP_REASON)) }),
    fc.record({ type: fc.constant(W.refused), reason: fc.constant('auth') }),
    fc.anything().map((junk) => junk as WsStatusEvent),
  );
})();

describe('websocket-status: properties', () => {
  it('counts never go negative and agree with the open connections', () => {
    fc.assert(
      fc.property(fc.array(wsEvent, { maxLength: 60 }), (events) => {
        const state = foldAll(projection, events);
        const open = idMapValues(state.open);
        expect(state.connections.open).toBe(open.length);
        expect(state.connections.open + state.connections.closed).toBe(state.totalConnected);
        const subscriptions = open.reduce((sum, connection) => sum + connection.sessions.length, 0);
        expect(Object.values(state.bySession).reduce((sum, n) => sum + n, 0)).toBe(subscriptions);
        expect([...Object.values(state.bySession), ...Object.values(state.dropped)].every((n) => n > 0)).toBe(true);
      }),
    );
  });

  it('one pass equals two halves with a JSON round trip between', () => {
    assertResumableFold(projection, fc.array(wsEvent, { maxLength: 60 }));
  });

  it('the initial state is empty', () => {
    expect(initialWebSocketStatus()).toMatchObject({ connections: { open: 0, closed: 0, refused: 0 }, totalConnected: 0 });
  });
});
