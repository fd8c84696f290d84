import { describe, expect, it } from 'vitest';
import { buildAgentArgs, buildAgentEnv, validateLaunchOptions } from './launch.js';

const dirs = { tenantId: 'acme', configDir: '/t/acme/config', workRoot: '/t/acme/work' };

describe('buildAgentArgs / buildAgentEnv', () => {
  it('starts a new conversation with --session-id and resumes with --resume; config args then extra args last', () => {
    const base = { tenantId: 'acme', model: 'opus', permissionMode: 'acceptEdits', allowedTools: ['Read', 'Bash(git:*)'], systemPrompt: 'be brief', extraArgs: ['--max-turns', '3'] };
    expect(buildAgentArgs({ ...base, conversation: { mode: 'new', sessionId: 'id-1' } }, ['--debug'])).toEqual([
      '-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--session-id', 'id-1',
      '--model', 'opus', '--permission-mode', 'acceptEdits', '--system-prompt', 'be brief', '--allowedTools', 'Read,Bash(git:*)',
      '--debug', '--max-turns', '3',
    ]);
    expect(buildAgentArgs({ tenantId: 'acme', conversation: { mode: 'resume', sessionId: 'id-1' } }, [])).toContain('--resume');
  });

  it('forks with --resume <parent> --resume-session-at <uuid> --fork-session --session-id <new id>', () => {
    const parent = '11111111-1111-4111-8111-111111111111';
    const at = '22222222-2222-4222-8222-222222222222';
    const child = '33333333-3333-4333-8333-333333333333';
    const options = { tenantId: 'acme', conversation: { mode: 'fork', sessionId: child, parentSessionId: parent, atMessageUuid: at } } as const;
    expect(buildAgentArgs(options, []).slice(5)).toEqual(['--verbose', '--resume', parent, '--resume-session-at', at, '--fork-session', '--session-id', child]);
    expect(validateLaunchOptions(options).isOk()).toBe(true);
    expect(validateLaunchOptions({ ...options, conversation: { ...options.conversation, atMessageUuid: 'msg_01abc' } })._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidLaunchOptions' });
  });

  it('asks for tool permissions on stdio when told to (tool approvals), and only then', () => {
    const conversation = { mode: 'new', sessionId: 'id-1' } as const;
    expect(buildAgentArgs({ tenantId: 'acme', conversation, permissionPrompt: true }, []).join(' ')).toContain('--permission-prompt-tool stdio');
    expect(buildAgentArgs({ tenantId: 'acme', conversation }, [])).not.toContain('--permission-prompt-tool');
  });

  it('passes the remaining budget as --max-budget-usd, and nothing without one', () => {
    const base = { tenantId: 'acme', conversation: { mode: 'new' as const, sessionId: 'id-1' } };
    const args = buildAgentArgs({ ...base, maxBudgetUsd: 0.25 }, []);
    expect(args.slice(args.indexOf('--max-budget-usd'), args.indexOf('--max-budget-usd') + 2)).toEqual(['--max-budget-usd', '0.25']);
    expect(buildAgentArgs(base, [])).not.toContain('--max-budget-usd');
  });

  it("gives the tenant's dirs precedence over inherited and requested environment", () => {
    const env = buildAgentEnv({ tenantId: 'acme', conversation: { mode: 'new', sessionId: 'x' }, env: { HOME: '/evil', FOO: 'bar' } }, dirs, { PATH: '/bin', CLAUDE_CONFIG_DIR: '/shared', UNSET: undefined });
    expect(env).toEqual({ PATH: '/bin', FOO: 'bar', HOME: '/t/acme/config', CLAUDE_CONFIG_DIR: '/t/acme/config' });
  });
});
