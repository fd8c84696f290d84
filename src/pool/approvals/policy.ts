/**
 * The server-side tool approval policy: which rule, if any, decides a tool use request without a human. Rules are
 * tried in order — the session's own, then the tools a participant allowed for the session ("always allow"), then
 * the configured rules naming the session's tenant, then those for every tenant — and the first whose tool, path and
 * command patterns all match decides (`allow`, `deny`, or `ask` a human). No match takes `default_action`. Paths are
 * resolved against the session's working directory and normalised before matching, so `{cwd}/../x` is not under
 * `{cwd}`. Pure: no I/O.
 */
import { isAbsolute, normalize, resolve } from 'node:path';
import type { ApprovalAction, ApprovalRule } from '../../../machines/index.js';

/** A rule as configured (`approvals.rules`): an {@link ApprovalRule}, for one tenant or (no `tenant`) every tenant. */
export interface ConfiguredApprovalRule extends ApprovalRule {
  readonly tenant?: string;
}

/** The policy of one server: its rules and what an unmatched request gets. */
export interface ApprovalPolicy {
  readonly rules: readonly ConfiguredApprovalRule[];
  readonly defaultAction: ApprovalAction;
}

/** What the policy says of one request, and which rule said it (`default` when none matched). */
export interface ApprovalVerdict {
  readonly action: ApprovalAction;
  readonly rule: string;
}

/** The request as the policy sees it. */
export interface ToolUse {
  readonly toolName: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** What the policy knows of the session. */
export interface SessionApprovalScope {
  readonly tenant: string;
  /** The agent's working directory (absolute). */
  readonly cwd: string;
  readonly sessionRules: readonly ApprovalRule[];
  readonly alwaysAllowed: readonly string[];
}

/** Name of the verdict when no rule matched. */
export const DEFAULT_RULE = 'default';

/** Input fields that name a file, in the order the CLI's tools use them. */
const PATH_FIELDS = ['file_path', 'notebook_path', 'path'] as const;

/** The name a rule's decisions carry. */
export function ruleName(rule: ApprovalRule): string {
  return rule.name ?? `${rule.tool}:${rule.action}`;
}

/** The verdict of `policy` on `use` in the session `scope`. */
export function decideToolUse(policy: ApprovalPolicy, scope: SessionApprovalScope, use: ToolUse): ApprovalVerdict {
  for (const rule of scope.sessionRules) if (matches(rule, scope.cwd, use)) return { action: rule.action, rule: `session:${ruleName(rule)}` };
  if (scope.alwaysAllowed.includes(use.toolName)) return { action: 'allow', rule: `always:${use.toolName}` };
  for (const tenantFirst of [true, false]) {
    for (const rule of policy.rules) {
      if ((rule.tenant !== undefined) !== tenantFirst || (tenantFirst && rule.tenant !== scope.tenant)) continue;
      if (matches(rule, scope.cwd, use)) return { action: rule.action, rule: ruleName(rule) };
    }
  }
  return { action: policy.defaultAction, rule: DEFAULT_RULE };
}

/** Whether `rule` applies to `use`: its tool, and its path and command patterns when it has them. */
export function matches(rule: ApprovalRule, cwd: string, use: ToolUse): boolean {
  if (!globMatch(rule.tool, use.toolName, false)) return false;
  if (rule.path !== undefined) {
    const path = pathOf(use.input, cwd);
    if (path === null || !patternMatch(rule.path.replaceAll('{cwd}', normalize(cwd)), path, true)) return false;
  }
  if (rule.command !== undefined) {
    const command = use.input['command'];
    if (typeof command !== 'string' || !patternMatch(rule.command.replaceAll('{cwd}', normalize(cwd)), command.trim(), false)) return false;
  }
  return true;
}

/** The file the input names, absolute and normalised, or `null` when it names none. */
export function pathOf(input: Readonly<Record<string, unknown>>, cwd: string): string | null {
  for (const field of PATH_FIELDS) {
    const value = input[field];
    if (typeof value === 'string' && value !== '') return normalize(isAbsolute(value) ? value : resolve(cwd, value));
  }
  return null;
}

/** A pattern with an optional leading `!` (negation). */
function patternMatch(pattern: string, text: string, pathMode: boolean): boolean {
  return pattern.startsWith('!') ? !globMatch(pattern.slice(1), text, pathMode) : globMatch(pattern, text, pathMode);
}

const compiled = new Map<string, RegExp>();

/**
 * Whether `text` matches the glob `pattern`: `?` one character, `*` any run of characters (in path mode not across
 * `/`), `**` any run across `/` (and `dir/**` matches `dir` itself). Everything else is literal.
 */
export function globMatch(pattern: string, text: string, pathMode: boolean): boolean {
  const key = `${pathMode ? 'p' : 't'}${pattern}`;
  let regex = compiled.get(key);
  if (regex === undefined) {
    regex = new RegExp(`^${globSource(pattern, pathMode)}$`, 's');
    if (compiled.size < 1_000) compiled.set(key, regex);
  }
  return regex.test(text);
}

function globSource(pattern: string, pathMode: boolean): string {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i]!;
    if (char === '*' && pattern[i + 1] === '*') {
      i += 1;
      // `/**` at the end also matches the directory itself.
      if (source.endsWith('/') && i === pattern.length - 1) source = `${source.slice(0, -1)}(?:/.*)?`;
      else source += '.*';
    } else if (char === '*') source += pathMode ? '[^/]*' : '.*';
    else if (char === '?') source += pathMode ? '[^/]' : '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return source;
}
