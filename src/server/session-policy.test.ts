import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { POLICY_PERMISSION_MODES } from '../config/index.js';
import type { ServerRole } from './auth/index.js';
import { cwdWithin, mayUseMode, policyProblem, type PolicyRequest, type SessionPolicy } from './session-policy.js';

const open = { permission_modes: ['default', 'acceptEdits', 'plan'], allowed_tools: ['*'], cwd_roots: [''] } as const;
const DEFAULTS: SessionPolicy = { bypass_permissions: false, admin: { ...open, permission_modes: [...open.permission_modes], allowed_tools: ['*'], cwd_roots: [''] }, operator: { ...open, permission_modes: [...open.permission_modes], allowed_tools: ['*'], cwd_roots: [''] }, user: { permission_modes: ['default'], allowed_tools: ['Read', 'Bash'], cwd_roots: ['projects', 'scratch/tmp'] } };
const ask = (request: Partial<PolicyRequest>): PolicyRequest => ({ permissionMode: 'default', allowedTools: ['Read'], cwd: 'projects', ...request });
const answer = (policy: SessionPolicy, role: ServerRole, request: Partial<PolicyRequest>) => policyProblem(policy, role, ask(request));

describe('session policy', () => {
  it('grants bypassPermissions to admins only, and only when enabled', () => {
    expect(answer(DEFAULTS, 'admin', { permissionMode: 'bypassPermissions' })).toMatchObject({ code: 'policy_denied', details: { refused: 'permissionMode', value: 'bypassPermissions' } });
    expect(answer({ ...DEFAULTS, bypass_permissions: true }, 'admin', { permissionMode: 'bypassPermissions' })).toBeNull();
    expect(answer({ ...DEFAULTS, bypass_permissions: true }, 'operator', { permissionMode: 'bypassPermissions' })?.code).toBe('policy_denied');
  });

  it.each([
    ['a mode the role lacks', { permissionMode: 'plan' }, 'permissionMode'],
    ['a tool outside the list', { allowedTools: ['Read', 'Write'] }, 'allowedTools'],
    ['no tools under a tool list (the CLI default would be every tool)', { allowedTools: [] }, 'allowedTools'],
    ['a cwd outside the roots', { cwd: 'elsewhere' }, 'cwd'],
    ['a cwd that only shares a prefix with a root', { cwd: 'projects-old' }, 'cwd'],
    ['the work root itself', { cwd: '' }, 'cwd'],
    ['a cwd climbing out', { cwd: 'projects/../etc' }, 'cwd'],
  ] as const)('refuses %s, naming it', (_name, request, field) => {
    expect(answer(DEFAULTS, 'user', request)).toMatchObject({ code: 'policy_denied', details: { refused: field } });
  });

  it('accepts what the role is allowed: scoped tools (Bash covers Bash(git:*)) and directories under a root', () => {
    expect(answer(DEFAULTS, 'user', { allowedTools: ['Read', 'Bash(git:*)'], cwd: 'projects/app/src' })).toBeNull();
    expect(answer(DEFAULTS, 'user', { cwd: 'scratch/tmp' })).toBeNull();
    expect(answer(DEFAULTS, 'operator', { permissionMode: 'plan', allowedTools: [], cwd: '' })).toBeNull();
  });

  it('never lets a viewer run a session', () => {
    expect(answer(DEFAULTS, 'viewer', {})?.code).toBe('policy_denied');
  });

  const modes = fc.constantFrom(...POLICY_PERMISSION_MODES, 'bypassPermissions' as const);
  const rolePolicy = fc.record({
    permission_modes: fc.uniqueArray(fc.constantFrom(...POLICY_PERMISSION_MODES)),
    allowed_tools: fc.array(fc.constantFrom('*', 'Read', 'Bash'), { maxLength: 3 }),
    cwd_roots: fc.array(fc.constantFrom('', 'a', 'a/b', 'c'), { maxLength: 3 }),
  });
  const policies = fc.record({ bypass_permissions: fc.boolean(), admin: rolePolicy, operator: rolePolicy, user: rolePolicy });
  const roles = fc.constantFrom<ServerRole>('admin', 'operator', 'user', 'viewer');
  const segment = fc.constantFrom('a', 'b', 'c', '..', '.', 'x');
  const cwds = fc.array(segment, { maxLength: 4 }).map((segments) => segments.join('/'));

  it('property: no role below admin is ever granted bypassPermissions, whatever the configuration', () => {
    fc.assert(
      fc.property(policies, roles, fc.array(fc.constantFrom('Read', 'Bash', 'Write')), cwds, (policy, role, allowedTools, cwd) => {
        const problem = policyProblem(policy, role, { permissionMode: 'bypassPermissions', allowedTools, cwd });
        if (role !== 'admin' || !policy.bypass_permissions) expect(problem?.code).toBe('policy_denied');
      }),
    );
  });

  it('property: an accepted request uses an allowed mode, allowed tools, and a cwd under an allowed root without ".."', () => {
    fc.assert(
      fc.property(policies, roles, modes, fc.array(fc.constantFrom('Read', 'Bash', 'Bash(ls)', 'Write'), { maxLength: 3 }), cwds, (policy, role, permissionMode, allowedTools, cwd) => {
        if (policyProblem(policy, role, { permissionMode, allowedTools, cwd }) !== null) return;
        expect(role).not.toBe('viewer');
        if (role === 'viewer') return;
        expect(mayUseMode(policy, role, permissionMode)).toBe(true);
        expect(cwd.split('/')).not.toContain('..');
        expect(cwdWithin(policy[role].cwd_roots, cwd)).toBe(true);
        if (!policy[role].allowed_tools.includes('*')) {
          expect(allowedTools.length).toBeGreaterThan(0);
          for (const tool of allowedTools) expect(policy[role].allowed_tools).toContain(tool.replace(/\(.*$/, ''));
        }
      }),
    );
  });
});
