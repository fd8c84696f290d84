/**
 * Sharing is consent (session.access.ts): a user joins on their own (`via: 'share'`) only a session created
 * shareable, and never after someone else removed them until an invitation. A model of who is in and who is
 * barred, driven by random joins and leaves, must agree with the machine after every event, and a restored
 * snapshot from before removals were kept reads as "nobody removed".
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayJoinByShare, removedFrom, roleOf } from './session.access.js';
import type { SessionContext } from './session.context.js';
import { SESSION_EVENT as E, type SessionEvent } from './session.events.js';
import { sessionMachine } from './session.machine.js';
import { start, step } from './replay.js';
import { testSessionInput } from './testing/session-fixtures.js';

const USERS = ['bob', 'cy', 'dan'] as const;

type Move = { kind: 'share' | 'invite' | 'leave' | 'remove'; userId: string };
const move = fc.record({ kind: fc.constantFrom('share', 'invite', 'leave', 'remove') as fc.Arbitrary<Move['kind']>, userId: fc.constantFrom(...USERS) });

const eventOf = ({ kind, userId }: Move, at: number): SessionEvent => {
  switch (kind) {
    case 'share':
      return { type: E.PARTICIPANT_JOINED, at, userId, role: 'editor', via: 'share' };
    case 'invite':
      return { type: E.PARTICIPANT_JOINED, at, userId, role: 'viewer' };
    case 'leave':
      return { type: E.PARTICIPANT_LEFT, at, userId };
    case 'remove':
      return { type: E.PARTICIPANT_LEFT, at, userId, removed: true };
  }
};

describe('sharing consent in the session machine', () => {
  it('agrees with a model of members and removed users over any history', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(move, { maxLength: 30 }), (shareable, moves) => {
        let snapshot = start(sessionMachine, { ...testSessionInput, shareable }).snapshot;
        const members = new Set<string>();
        const removed = new Set<string>();
        moves.forEach((m, at) => {
          snapshot = step(sessionMachine, snapshot, eventOf(m, at + 1)).snapshot;
          const inside = members.has(m.userId);
          if (m.kind === 'invite' && !inside) (members.add(m.userId), removed.delete(m.userId));
          if (m.kind === 'share' && !inside && shareable && !removed.has(m.userId)) members.add(m.userId);
          if ((m.kind === 'leave' || m.kind === 'remove') && inside) {
            members.delete(m.userId);
            if (m.kind === 'remove') removed.add(m.userId);
          }
          const context = snapshot.context as SessionContext;
          expect(USERS.filter((u) => roleOf(context, u) !== null)).toEqual(USERS.filter((u) => members.has(u)));
          expect([...removedFrom(context)].sort()).toEqual([...removed].sort());
          // Never on their own into a private session.
          if (!shareable) for (const u of USERS) expect(mayJoinByShare(context, u)).toBe(false);
        });
      }),
    );
  });

  it('reads a snapshot stored before sharing existed as private with nobody removed', () => {
    const context = { ...(start(sessionMachine, testSessionInput).snapshot.context as SessionContext) } as Partial<SessionContext>;
    delete context.shareable;
    delete context.removed;
    expect(removedFrom(context as SessionContext)).toEqual([]);
    expect(mayJoinByShare(context as SessionContext, 'bob')).toBe(false);
  });
});
