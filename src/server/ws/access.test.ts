import { describe, expect, it } from 'vitest';
import type { Identity } from '../auth/index.js';
import { interruptRefusal, readRefusal, sendRefusal, type SessionScope } from './access.js';

const scope: SessionScope = {
  sessionId: 's1',
  tenant: 'acme',
  participants: [
    { userId: 'ada', role: 'owner', joinedAt: 0 },
    { userId: 'bob', role: 'editor', joinedAt: 0 },
    { userId: 'eve', role: 'viewer', joinedAt: 0 },
  ],
};
const who = (userId: string, role: Identity['role'] = 'user', tenant = 'acme'): Identity => ({ userId, tenant, role, via: 'jwt' });

describe('session access', () => {
  it('lets participants, operators of the tenant and admins follow; hides other tenants', () => {
    expect(readRefusal(who('eve'), scope)).toBeNull();
    expect(readRefusal(who('ops', 'operator'), scope)).toBeNull();
    expect(readRefusal(who('root', 'admin', 'elsewhere'), scope)).toBeNull();
    expect(readRefusal(who('mallory'), scope)?.code).toBe('forbidden');
    expect(readRefusal(who('ada', 'user', 'globex'), scope)?.code).toBe('not_found');
    expect(readRefusal(who('ops', 'operator', 'globex'), scope)?.code).toBe('not_found');
  });

  it('lets owners and editors interrupt, and refuses viewers and server viewers sending', () => {
    expect(interruptRefusal(who('bob'), scope)).toBeNull();
    expect(interruptRefusal(who('eve'), scope)?.code).toBe('forbidden');
    expect(interruptRefusal(who('ada', 'user', 'globex'), scope)?.code).toBe('not_found');
    expect(sendRefusal(who('bob'), scope)).toBeNull();
    expect(sendRefusal(who('bob', 'viewer'), scope)?.code).toBe('forbidden');
    expect(sendRefusal(who('x', 'user', 'globex'), scope)?.code).toBe('not_found');
  });
});
