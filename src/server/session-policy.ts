/**
 * The session policy (`security.session_policy`): which permission modes, tools and working directories a caller's
 * server role may ask a session for. Pure; `session-access.ts` applies it when a session is created or joined by
 * sharing. `bypassPermissions` is never a role's to ask for by listing: only admins get it, and only when
 * `bypass_permissions` is on (with auth off every caller is an admin, so it is off by default).
 */
import type { PermissionMode } from '../../machines/index.js';
import type { Config } from '../config/load.js';
import type { ServerRole } from './auth/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from './errors.js';

/** The configured policy. */
export type SessionPolicy = Config['security']['session_policy'];

/** What a session asks for that the policy judges. */
export interface PolicyRequest {
  readonly permissionMode: PermissionMode;
  readonly allowedTools: readonly string[];
  /** Relative to the tenant's work root; `''` is the root itself. */
  readonly cwd: string;
}

/** The part of a request a refusal names. */
export type PolicyField = 'permissionMode' | 'allowedTools' | 'cwd';

/** Any tool, in `allowed_tools`. */
export const ANY_TOOL = '*';

const denied = (field: PolicyField, value: unknown, message: string): ApiError => apiError(API_ERROR_CODES.policyDenied, message, { refused: field, value });

/** Whether `role` may run a session in `mode` under `policy`. */
export function mayUseMode(policy: SessionPolicy, role: ServerRole, mode: PermissionMode): boolean {
  if (mode === 'bypassPermissions') return role === 'admin' && policy.bypass_permissions;
  return role !== 'viewer' && (policy[role].permission_modes as readonly string[]).includes(mode);
}

/** Whether `tool` (`Bash`, or `Bash(git:*)` which `Bash` also covers) is among `allowed`. */
function toolAllowed(allowed: readonly string[], tool: string): boolean {
  const open = tool.indexOf('(');
  return allowed.includes(tool) || (open > 0 && allowed.includes(tool.slice(0, open)));
}

/** Whether `cwd` lies in one of `roots` (each a relative directory, `''` the whole work root), by whole path segments. */
export function cwdWithin(roots: readonly string[], cwd: string): boolean {
  const segments = cwd === '' ? [] : cwd.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return false;
  return roots.some((root) => {
    const base = root === '' ? [] : root.split('/');
    return base.length <= segments.length && base.every((segment, index) => segments[index] === segment);
  });
}

/** Why `role` may not ask for `request` under `policy` (`policy_denied`, naming the field and value), or `null`. */
export function policyProblem(policy: SessionPolicy, role: ServerRole, request: PolicyRequest): ApiError | null {
  const { permissionMode, allowedTools, cwd } = request;
  if (!mayUseMode(policy, role, permissionMode)) {
    const why = permissionMode === 'bypassPermissions' ? 'only admins may, and only with security.session_policy.bypass_permissions on' : `the role may use ${role === 'viewer' ? 'none' : policy[role].permission_modes.join(', ') || 'none'}`;
    return denied('permissionMode', permissionMode, `permissionMode ${permissionMode} is not allowed for role ${role}: ${why}`);
  }
  if (role === 'viewer') return denied('permissionMode', permissionMode, 'role viewer may not run sessions');
  const rules = policy[role];
  if (!rules.allowed_tools.includes(ANY_TOOL)) {
    if (allowedTools.length === 0) return denied('allowedTools', [], `role ${role} must name its tools in allowedTools (from ${rules.allowed_tools.join(', ') || 'none'})`);
    const refused = allowedTools.filter((tool) => !toolAllowed(rules.allowed_tools, tool));
    if (refused.length > 0) return denied('allowedTools', refused, `tools ${refused.join(', ')} are not allowed for role ${role} (allowed: ${rules.allowed_tools.join(', ') || 'none'})`);
  }
  if (!cwdWithin(rules.cwd_roots, cwd)) {
    const roots = rules.cwd_roots.map((root) => (root === '' ? '(the work root)' : root)).join(', ') || 'none';
    return denied('cwd', cwd, `cwd "${cwd}" is outside the working directories allowed for role ${role} (${roots})`);
  }
  return null;
}
