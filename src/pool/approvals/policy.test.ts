import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideToolUse, globMatch, pathOf, type ApprovalPolicy, type SessionApprovalScope } from './policy.js';

const CWD = '/srv/tenants/acme/work';
const policy: ApprovalPolicy = {
  defaultAction: 'ask',
  rules: [
    { name: 'read-in-workdir', tool: 'Read', path: '{cwd}/**', action: 'allow' },
    { name: 'write-outside', tool: 'Write', path: '!{cwd}/**', action: 'deny' },
    { name: 'git-status', tool: 'Bash', command: 'git status*', action: 'allow' },
    { name: 'acme-no-bash', tenant: 'acme', tool: 'Bash', command: 'rm *', action: 'deny' },
    { name: 'globex-mcp', tenant: 'globex', tool: 'mcp__*', action: 'allow' },
  ],
};
const scope = (over: Partial<SessionApprovalScope> = {}): SessionApprovalScope => ({ tenant: 'acme', cwd: CWD, sessionRules: [], alwaysAllowed: [], ...over });

describe('tool approval policy', () => {
  it('allows Read under the working directory, relative or absolute, and asks for one outside', () => {
    expect(decideToolUse(policy, scope(), { toolName: 'Read', input: { file_path: `${CWD}/src/a.ts` } })).toEqual({ action: 'allow', rule: 'read-in-workdir' });
    expect(decideToolUse(policy, scope(), { toolName: 'Read', input: { file_path: 'src/a.ts' } })).toEqual({ action: 'allow', rule: 'read-in-workdir' });
    expect(decideToolUse(policy, scope(), { toolName: 'Read', input: { file_path: CWD } }).action).toBe('allow');
    expect(decideToolUse(policy, scope(), { toolName: 'Read', input: { file_path: '/etc/passwd' } })).toEqual({ action: 'ask', rule: 'default' });
  });

  it('does not let .. or a sibling prefix escape the working directory', () => {
    expect(decideToolUse(policy, scope(), { toolName: 'Read', input: { file_path: `${CWD}/../secrets` } }).action).toBe('ask');
    expect(decideToolUse(policy, scope(), { toolName: 'Read', input: { file_path: `${CWD}-other/x` } }).action).toBe('ask');
    expect(decideToolUse(policy, scope(), { toolName: 'Write', input: { file_path: '../x', content: '' } })).toEqual({ action: 'deny', rule: 'write-outside' });
    expect(decideToolUse(policy, scope(), { toolName: 'Write', input: { file_path: 'x', content: '' } }).action).toBe('ask');
  });

  it('matches commands, tries the tenant\'s rules before everyone\'s, and ignores other tenants\' rules', () => {
    expect(decideToolUse(policy, scope(), { toolName: 'Bash', input: { command: 'git status --short' } })).toEqual({ action: 'allow', rule: 'git-status' });
    expect(decideToolUse(policy, scope(), { toolName: 'Bash', input: { command: 'rm -rf /' } })).toEqual({ action: 'deny', rule: 'acme-no-bash' });
    expect(decideToolUse(policy, scope({ tenant: 'globex' }), { toolName: 'Bash', input: { command: 'rm -rf /' } }).action).toBe('ask');
    expect(decideToolUse(policy, scope({ tenant: 'globex' }), { toolName: 'mcp__db__query', input: {} })).toEqual({ action: 'allow', rule: 'globex-mcp' });
    expect(decideToolUse(policy, scope(), { toolName: 'mcp__db__query', input: {} }).action).toBe('ask');
  });

  it('tries the session\'s own rules first, then the tools allowed for the session', () => {
    const own = scope({ sessionRules: [{ tool: 'Read', action: 'deny' }], alwaysAllowed: ['Bash'] });
    expect(decideToolUse(policy, own, { toolName: 'Read', input: { file_path: 'a' } })).toEqual({ action: 'deny', rule: 'session:Read:deny' });
    expect(decideToolUse(policy, own, { toolName: 'Bash', input: { command: 'rm x' } })).toEqual({ action: 'allow', rule: 'always:Bash' });
  });

  it('globs: * stays within a path segment, ** crosses them, everything else is literal', () => {
    expect(globMatch('/a/*.ts', '/a/b.ts', true)).toBe(true);
    expect(globMatch('/a/*.ts', '/a/b/c.ts', true)).toBe(false);
    expect(globMatch('/a/**', '/a/b/c.ts', true)).toBe(true);
    expect(globMatch('/a.b/(x)', '/a.b/(x)', true)).toBe(true);
    expect(globMatch('/a.b/(x)', '/aXb/(x)', true)).toBe(false);
    expect(globMatch('git *', 'git log /tmp', false)).toBe(true);
  });

  it('property: a path under {cwd} after normalisation matches {cwd}/**, and one that is not never does', () => {
    const segment = fc.constantFrom('a', 'b', '..', '.', 'work', 'x y', 'é');
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
        const path = pathOf({ file_path: segments.join('/') || '.' }, CWD)!;
        const inside = path === CWD || path.startsWith(`${CWD}/`);
        expect(decideToolUse(policy, scope(), { toolName: 'Read', input: { file_path: segments.join('/') || '.' } }).action).toBe(inside ? 'allow' : 'ask');
      }),
    );
  });

  it('property: the verdict is the first matching rule\'s, whatever the rules (a model of first-match-wins)', () => {
    const rule = fc.record({ tool: fc.constantFrom('Read', 'Bash', '*'), action: fc.constantFrom('allow' as const, 'deny' as const, 'ask' as const) });
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 5 }), fc.constantFrom('Read', 'Bash', 'Write'), (rules, toolName) => {
        const first = rules.find((r) => r.tool === '*' || r.tool === toolName);
        const verdict = decideToolUse({ rules, defaultAction: 'deny' }, scope(), { toolName, input: {} });
        expect(verdict.action).toBe(first?.action ?? 'deny');
      }),
    );
  });
});
