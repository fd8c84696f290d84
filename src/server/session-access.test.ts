import { describe, expect, it } from 'vitest';
import { initialSessionContext, type SessionContext } from '../../machines/index.js';
import { DEFAULT_AGENT_OPTIONS } from '../pool/index.js';
import type { Identity, ServerRole } from './auth/index.js';
import { actionOf, commandProblem, SESSION_ACTION, SESSION_COMMAND, sessionAccessProblem, sightLostBy, type SessionAction, type SessionCommandKind } from './session-access.js';

const base = initialSessionContext({ sessionId: 's-1', tenant: 'acme', owner: 'ada', at: 0, options: { ...DEFAULT_AGENT_OPTIONS } });
const context: SessionContext = {
  ...base,
  participants: [...base.participants, { userId: 'ed', role: 'editor', joinedAt: 1 }, { userId: 'vi', role: 'viewer', joinedAt: 2 }],
};
const who = (userId: string, role: ServerRole = 'user', tenant = 'acme', via: Identity['via'] = 'jwt'): Identity => ({ userId, tenant, role, via });
const answer = (identity: Identity, action: SessionAction): string => sessionAccessProblem(identity, context, action)?.code ?? 'ok';

describe('sessionAccessProblem', () => {
  it.each([
    // caller, view, write, manage
    ['the owner', who('ada'), 'ok', 'ok', 'ok'],
    ['an editor', who('ed'), 'ok', 'ok', 'forbidden'],
    ['a viewer', who('vi'), 'ok', 'forbidden', 'forbidden'],
    ['a stranger of the tenant', who('zed'), 'not_found', 'not_found', 'not_found'],
    ['an operator of the tenant', who('op', 'operator'), 'ok', 'forbidden', 'ok'],
    ['an operator of another tenant', who('op', 'operator', 'globex'), 'not_found', 'not_found', 'not_found'],
    ['an owner-named user of another tenant', who('ada', 'user', 'globex'), 'not_found', 'not_found', 'not_found'],
    ['an admin of another tenant', who('root', 'admin', 'globex'), 'ok', 'forbidden', 'ok'],
  ] as const)('%s: view %s, write %s, manage %s', (_name, identity, view, write, manage) => {
    expect([answer(identity, SESSION_ACTION.view), answer(identity, SESSION_ACTION.write), answer(identity, SESSION_ACTION.manage)]).toEqual([view, write, manage]);
  });

  it('says not_found exactly as for a session that does not exist', () => {
    expect(sessionAccessProblem(who('eve', 'user', 'globex'), context, SESSION_ACTION.view)).toEqual({ code: 'not_found', message: 'session s-1 does not exist' });
  });
});

describe('the session command decision (docs/security.md, "Who may do what with a session")', () => {
  const decide = (identity: Identity, command: SessionCommandKind): string =>
    (commandProblem(identity, command) ?? sessionAccessProblem(identity, context, actionOf(identity, command)))?.code ?? 'ok';
  const { view, send, interrupt, terminate } = SESSION_COMMAND;

  it.each([
    // caller, read, send, interrupt, terminate
    ['the owner', who('ada'), 'ok', 'ok', 'ok', 'ok'],
    ['an editor', who('ed'), 'ok', 'ok', 'ok', 'forbidden'],
    ['a viewer', who('vi'), 'ok', 'forbidden', 'forbidden', 'forbidden'],
    ['an operator of the tenant', who('op', 'operator'), 'ok', 'forbidden', 'ok', 'ok'],
    ['an admin of another tenant', who('root', 'admin', 'globex'), 'ok', 'forbidden', 'ok', 'ok'],
    ['a stranger of the tenant', who('zed'), 'not_found', 'not_found', 'not_found', 'not_found'],
    ['a user of another tenant', who('ada', 'user', 'globex'), 'not_found', 'not_found', 'not_found', 'not_found'],
    ['an editor whose server role is viewer', who('ed', 'viewer'), 'ok', 'forbidden', 'forbidden', 'forbidden'],
    ['a stranger whose server role is viewer', who('zed', 'viewer'), 'not_found', 'forbidden', 'forbidden', 'forbidden'],
    ['a self-named admin of an open server, not taking part', who('anonymous', 'admin', 'acme', 'open'), 'ok', 'forbidden', 'forbidden', 'ok'],
  ] as const)('%s: read %s, send %s, interrupt %s, terminate %s', (_name, identity, read, sends, interrupts, terminates) => {
    expect([decide(identity, view), decide(identity, send), decide(identity, interrupt), decide(identity, terminate)]).toEqual([read, sends, interrupts, terminates]);
  });
});

describe('sightLostBy (live subscriptions after a participant event)', () => {
  const left = (data: Record<string, unknown>) => ({ type: 'ParticipantLeft', data: { type: 'PARTICIPANT_LEFT', at: 1, ...data } });
  it.each([
    ['the removed user', who('ed'), left({ userId: 'ed', removed: true }), 'removed'],
    ['a user who left', who('ed'), left({ userId: 'ed' }), 'left'],
    ['another participant', who('vi'), left({ userId: 'ed', removed: true }), null],
    ['an operator of the tenant named in the event', who('ed', 'operator'), left({ userId: 'ed', removed: true }), null],
    ['anyone, on a role change', who('ed'), { type: 'ParticipantRoleChanged', data: { userId: 'ed', role: 'viewer' } }, null],
  ] as const)('%s: %s', (_name, identity, event, lost) => {
    expect(sightLostBy(identity, event)).toBe(lost);
  });
});
