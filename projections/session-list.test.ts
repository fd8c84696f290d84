import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SESSION_OUTCOME_NAME, SESSION_PERSISTED_NAME as S } from '../machines/session.events.js';
import { storeHistory, TEST_SESSION_IDS } from './testing/arbitraries.js';
import { foldAll } from './event.js';
import { allSessions, getSession, initialSessionList, sessionListProjection as projection } from './session-list.js';
import { listSessions, type SessionPage } from './session-list.query.js';
import { assertResumableFold, breakerStream, sessionStream, specFor } from './testing/given-when-then.js';

const T0 = 1_700_000_000_000;
const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens, cacheReadTokens: 0, cacheCreationTokens: 0 });

/** A session that was provisioned at `at`, spawned and became ready. */
function readySession(id: string, at = T0, tenant = 'acme', owner = 'ada') {
  const stream = sessionStream(id, tenant, owner);
  const history = [
    stream.provisioned(at),
    stream.next(S.AGENT_SPAWNED, { type: 'AGENT_SPAWNED', at: at + 10, pid: 1 }, 'provisioning', 'starting'),
    stream.next(S.AGENT_READY, { type: 'AGENT_READY', at: at + 20, claudeSessionId: id }, 'starting', 'ready'),
  ];
  return { stream, history };
}

describe('session-list: given/when/then', () => {
  it('a provisioned session is listed with its owner as the only participant', () => {
    const stream = sessionStream('s1');
    specFor(projection)
      .given()
      .when(stream.provisioned(T0))
      .then((after) => {
        expect(getSession(after, 's1')).toEqual({
          sessionId: 's1',
          tenant: 'acme',
          owner: 'ada',
          state: 'provisioning',
          participants: [{ userId: 'ada', role: 'owner' }],
          createdAt: T0,
          lastActivityAt: T0,
          turns: 0,
          usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
          lastFault: null,
          revision: '0',
          endedAt: null,
          endReason: null,
        });
      });
  });

  it('a completed turn adds to turns and usage and moves the state and revision', () => {
    const { stream, history } = readySession('s1');
    const accepted = stream.next(S.MESSAGE_ACCEPTED, { type: 'MESSAGE_ACCEPTED', at: T0 + 30, turnId: 't1', text: 'hi', userId: 'ada' }, 'ready', 'busy');
    specFor(projection)
      .given([...history, accepted])
      .when(stream.next(S.TURN_COMPLETED, { type: 'TURN_COMPLETED', at: T0 + 40, turnId: 't1', usage: usage(5, 11), costUsd: 0.25, isError: false }, 'busy', 'idle'))
      .then((after) => {
        expect(getSession(after, 's1')).toMatchObject({ state: 'idle', turns: 1, usage: { inputTokens: 5, outputTokens: 11, costUsd: 0.25 }, revision: '4', lastActivityAt: T0 + 40 });
      });
  });

  it('a TurnAborted stored with the event that ended the turn moves only the revision', () => {
    const { stream, history } = readySession('s1');
    const accepted = stream.next(S.MESSAGE_ACCEPTED, { type: 'MESSAGE_ACCEPTED', at: T0 + 30, turnId: 't1', text: 'hi', userId: 'ada' }, 'ready', 'busy');
    const terminated = stream.next(S.TERMINATE, { type: 'TERMINATE', at: T0 + 40, reason: 'bye' }, 'busy', 'terminated');
    specFor(projection)
      .given([...history, accepted, terminated])
      .when(stream.next(SESSION_OUTCOME_NAME.TURN_ABORTED, { turnId: 't1', reason: 'terminated', at: T0 + 40 }, 'terminated', 'terminated'))
      .then((after) => {
        expect(getSession(after, 's1')).toMatchObject({ state: 'terminated', turns: 0, revision: '5', endedAt: T0 + 40, endReason: 'bye', lastActivityAt: T0 + 30 });
        expect(after.skipped).toBe(0);
      });
  });

  it('participants join, change role and leave', () => {
    const { stream, history } = readySession('s1');
    const joined = stream.next(S.PARTICIPANT_JOINED, { type: 'PARTICIPANT_JOINED', at: T0 + 30, userId: 'bob', role: 'viewer' }, 'ready', 'ready');
    const changed = stream.next(S.ROLE_CHANGED, { type: 'ROLE_CHANGED', at: T0 + 31, userId: 'bob', role: 'editor' }, 'ready', 'ready');
    const given = specFor(projection).given([...history, joined]);
    given.when(changed).then((after) => {
      expect(getSession(after, 's1')?.participants).toEqual([{ userId: 'ada', role: 'owner' }, { userId: 'bob', role: 'editor' }]);
    });
    specFor(projection)
      .given([...history, joined, changed])
      .when(stream.next(S.PARTICIPANT_LEFT, { type: 'PARTICIPANT_LEFT', at: T0 + 32, userId: 'bob' }, 'ready', 'ready'))
      .then((after) => expect(getSession(after, 's1')?.participants).toEqual([{ userId: 'ada', role: 'owner' }]));
  });

  it('an agent fault and a stall deadline in busy are the last fault; a turn timeout is not', () => {
    const { stream, history } = readySession('s1');
    const crash = stream.next(S.AGENT_FAULT, { type: 'AGENT_FAULT', at: T0 + 50, fault: 'crash', exitCode: null, detail: 'boom' }, 'busy', 'recovering');
    specFor(projection)
      .given(history)
      .when(crash)
      .then((after) => expect(getSession(after, 's1')).toMatchObject({ state: 'recovering', lastFault: { kind: 'crash', at: T0 + 50, detail: 'boom' } }));
    const stall = stream.next(S.TIMER_ELAPSED, { type: 'TIMER_ELAPSED', at: T0 + 60, name: 'stallTimeout' }, 'busy', 'recovering');
    specFor(projection)
      .given([...history, crash])
      .when(stall)
      .then((after) => expect(getSession(after, 's1')?.lastFault).toEqual({ kind: 'stall', at: T0 + 60, detail: 'stallTimeout' }));
    specFor(projection)
      .given([...history, crash, stall])
      .when(stream.next(S.TIMER_ELAPSED, { type: 'TIMER_ELAPSED', at: T0 + 70, name: 'turnTimeout' }, 'busy', 'interrupting'))
      .then((after) => expect(getSession(after, 's1')?.lastFault).toMatchObject({ kind: 'stall' }));
  });

  it('a terminated session is kept with when and why it ended', () => {
    const { stream, history } = readySession('s1');
    specFor(projection)
      .given(history)
      .when(stream.next(S.TERMINATE, { type: 'TERMINATE', at: T0 + 90, reason: 'done' }, 'ready', 'terminated'))
      .then((after) => expect(getSession(after, 's1')).toMatchObject({ state: 'terminated', endedAt: T0 + 90, endReason: 'done' }));
  });

  it('malformed data is skipped and counted, and the state still follows metadata.to', () => {
    const { stream, history } = readySession('s1');
    specFor(projection)
      .given(history)
      .when(stream.next(S.TURN_COMPLETED, { at: T0 + 40, usage: 'lots' }, 'ready', 'idle'))
      .then((after, before) => {
        expect(after.skipped).toBe(before.skipped + 1);
        expect(getSession(after, 's1')).toMatchObject({ state: 'idle', turns: 0 });
      });
  });

  it('events of a session never provisioned are skipped; other streams leave the state as it was', () => {
    const orphan = sessionStream('ghost');
    orphan.provisioned(T0);
    const { history } = readySession('s1');
    const given = specFor(projection).given(history);
    given.when(orphan.next(S.AGENT_READY, { at: T0 + 1 }, 'starting', 'ready')).then((after) => {
      expect(after.skipped).toBe(1);
      expect(getSession(after, 'ghost')).toBeUndefined();
    });
    given.when(breakerStream('agent-spawn').created(T0)).then((after, before) => expect(after).toBe(before));
  });

  it('lists newest first with filters and pages by cursor', () => {
    const histories = [readySession('a', T0, 'acme', 'ada'), readySession('b', T0 + 1, 'globex', 'bob'), readySession('c', T0 + 2, 'acme', 'bob')];
    const state = foldAll(projection, histories.flatMap((h) => h.history));
    const first = listSessions(state, { limit: 2 })._unsafeUnwrap();
    expect(first.items.map((s) => s.sessionId)).toEqual(['c', 'b']);
    const second = listSessions(state, { limit: 2, cursor: first.nextCursor })._unsafeUnwrap();
    expect(second).toMatchObject({ items: [{ sessionId: 'a' }], nextCursor: null });
    expect(listSessions(state, { limit: 10, tenant: 'acme' })._unsafeUnwrap().items.map((s) => s.sessionId)).toEqual(['c', 'a']);
    expect(listSessions(state, { limit: 10, participant: 'bob', states: ['ready'] })._unsafeUnwrap().items.map((s) => s.sessionId)).toEqual(['c', 'b']);
    expect(listSessions(state, { limit: 10, states: ['busy'] })._unsafeUnwrap().items).toEqual([]);
    expect(listSessions(state, { limit: 0 })._unsafeUnwrapErr()).toEqual({ kind: 'InvalidLimit', limit: 0 });
    expect(listSessions(state, { limit: 1, cursor: 'nonsense' })._unsafeUnwrapErr()).toEqual({ kind: 'InvalidCursor', cursor: 'nonsense' });
  });
});

describe('session-list: properties', () => {
  it('folding in one pass equals folding the first part, a JSON round trip of the state, then the rest', () => {
    assertResumableFold(projection, storeHistory());
  });

  it('counts are never negative, the owner is always the one owner, and states follow metadata.to', () => {
    fc.assert(
      fc.property(storeHistory(), (events) => {
        const state = foldAll(projection, events);
        expect(state.skipped).toBeGreaterThanOrEqual(0);
        for (const session of allSessions(state)) {
          expect(session.turns).toBeGreaterThanOrEqual(0);
          expect(session.usage.inputTokens).toBeGreaterThanOrEqual(0);
          expect(session.usage.costUsd).toBeGreaterThanOrEqual(0);
          const own = events.filter((event) => event.stream === `session-${session.sessionId}`);
          const last = own.at(-1)?.metadata['to'];
          if (typeof last === 'string' && own.at(-1)?.revision === BigInt(session.revision)) expect(session.state).toBe(last);
          expect(session.participants.filter((p) => p.role === 'owner')).toEqual([{ userId: session.owner, role: 'owner' }]);
        }
      }),
    );
  });

  it('never throws on arbitrary data, and unknown streams or types leave the state as it was', () => {
    fc.assert(
      fc.property(storeHistory(30), fc.string(), fc.string(), fc.anything(), (events, stream, type, data) => {
        const state = foldAll(projection, events);
        const unknown = { stream: `x-${stream}`, type, revision: 0n, data, metadata: {} };
        expect(projection.apply(state, unknown)).toBe(state);
        expect(() => projection.apply(state, { stream: 'session-s1', type, revision: 1n, data, metadata: { to: type } })).not.toThrow();
      }),
    );
  });

  it('paging with any limit and filter returns each matching session exactly once, newest first', () => {
    fc.assert(
      fc.property(storeHistory(), fc.integer({ min: 1, max: 4 }), fc.option(fc.constantFrom('acme', 'globex'), { nil: null }), (events, limit, tenant) => {
        const state = foldAll(projection, events);
        const seen: string[] = [];
        let cursor: string | null = null;
        for (let page = 0; page < 20; page += 1) {
          const result: SessionPage = listSessions(state, { limit, tenant, cursor })._unsafeUnwrap();
          expect(result.items.length).toBeLessThanOrEqual(limit);
          seen.push(...result.items.map((s) => s.sessionId));
          cursor = result.nextCursor;
          if (cursor === null) break;
        }
        const expected = allSessions(state)
          .filter((s) => tenant === null || s.tenant === tenant)
          .sort((a, b) => b.createdAt - a.createdAt || (a.sessionId < b.sessionId ? -1 : 1))
          .map((s) => s.sessionId);
        expect(seen).toEqual(expected);
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen.every((id) => (TEST_SESSION_IDS as readonly string[]).includes(id))).toBe(true);
      }),
    );
  });

  it('the initial state is empty', () => {
    expect(allSessions(initialSessionList())).toEqual([]);
    expect(initialSessionList().skipped).toBe(0);
  });
});
