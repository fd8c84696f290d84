import { describe, expect, it } from 'vitest';
import { initialSessionContext, type SessionContext } from '../../machines/index.js';
import { DEFAULT_AGENT_OPTIONS } from '../pool/index.js';
import type { Identity, ServerRole } from './auth/index.js';
import { SESSION_ACTION, sessionAccessProblem, type SessionAction } from './session-access.js';

const base = initialSessionContext({ sessionId: 's-1', tenant: 'acme', owner: 'ada', at: 0, options: { ...DEFAULT_AGENT_OPTIONS } });
const context: SessionContext = {
  ...base,
  participants: [...base.participants, { userId: 'ed', role: 'editor', joinedAt: 1 }, { userId: 'vi', role: 'viewer', joinedAt: 2 }],
};
const who = (userId: string, role: ServerRole = 'user', tenant = 'acme'): Identity => ({ userId, tenant, role, via: 'jwt' });
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
