/**
 * The session policy over REST (issue #13): no caller runs claude with `bypassPermissions` unless they are an admin
 * and `security.session_policy.bypass_permissions` is on; modes, tools and working directories outside a role's
 * policy are refused with 403 `policy_denied` naming what was refused, for `share` as for a new session.
 */
import { describe, expect, it } from 'vitest';
import { startTestApi } from '../support/api-server.js';
import { AUTH_ON, bearerOf, callWith } from '../support/auth-api.js';

describe('session policy at creation', () => {
  it('refuses bypassPermissions to every caller by default, admins included', async () => {
    const api = await startTestApi(AUTH_ON);
    for (const role of ['user', 'operator', 'admin']) {
      for (const share of [false, true]) {
        const refused = await callWith(api, 'POST', '/sessions', await bearerOf('ada', 'acme', role), { permissionMode: 'bypassPermissions', share });
        expect(refused.status).toBe(403);
        expect(refused.body.error).toMatchObject({ code: 'policy_denied', message: expect.stringContaining('bypassPermissions'), details: { refused: 'permissionMode' } });
      }
    }
    expect(api.pool.status().sessions.total ?? 0).toBe(0);
  });

  it('grants bypassPermissions to admins only once enabled', async () => {
    const api = await startTestApi({ ...AUTH_ON, 'security.session_policy.bypass_permissions': true });
    expect((await callWith(api, 'POST', '/sessions', await bearerOf('ada', 'acme', 'user'), { permissionMode: 'bypassPermissions' })).status).toBe(403);
    const admitted = await callWith(api, 'POST', '/sessions', await bearerOf('root', 'acme', 'admin'), { permissionMode: 'bypassPermissions' });
    expect(admitted.status).toBe(201);
    expect(admitted.body.session.options.permissionMode).toBe('bypassPermissions');
  });

  it('confines tools and working directories to the role\'s policy', async () => {
    const api = await startTestApi({
      ...AUTH_ON,
      'security.session_policy.user.allowed_tools': JSON.stringify(['Read', 'Bash']),
      'security.session_policy.user.cwd_roots': JSON.stringify(['projects']),
    });
    const ada = await bearerOf('ada');
    const tools = await callWith(api, 'POST', '/sessions', ada, { allowedTools: ['Read', 'Write'], cwd: 'projects/app' });
    expect(tools.status).toBe(403);
    expect(tools.body.error).toMatchObject({ code: 'policy_denied', details: { refused: 'allowedTools', value: ['Write'] } });
    const cwd = await callWith(api, 'POST', '/sessions', ada, { allowedTools: ['Read'], cwd: 'other' });
    expect(cwd.body.error).toMatchObject({ code: 'policy_denied', details: { refused: 'cwd', value: 'other' } });
    expect((await callWith(api, 'POST', '/sessions', ada, { allowedTools: ['Read', 'Bash(git:*)'], cwd: 'projects/app' })).status).toBe(201);
    // Another role keeps its own (default: open) policy.
    expect((await callWith(api, 'POST', '/sessions', await bearerOf('op', 'acme', 'operator'), { allowedTools: ['Write'], cwd: 'other' })).status).toBe(201);
  });
});
