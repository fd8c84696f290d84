/**
 * Launch profiles: the tenant and agent options that decide whether one agent process can serve a request.
 * A warm process (started with no conversation) may be handed to any request with the same profile key; the
 * tenant is part of the key because a process runs with its tenant's config directory.
 */
import type { AgentOptions } from '../../../machines/index.js';
import type { AgentConversation, AgentLaunchOptions } from '../../agent/index.js';

/** A stable key for `tenant` + `options`: equal keys mean one process fits both. */
export function profileKey(tenant: string, options: AgentOptions): string {
  return JSON.stringify([
    tenant,
    options.model,
    options.cwd,
    options.permissionMode,
    [...options.allowedTools].sort(),
    options.systemPrompt,
  ]);
}

/** The runner's launch options for a session of `tenant` with `options`. */
export function launchOptions(tenant: string, options: AgentOptions, conversation: AgentConversation, partialMessages = false, permissionPrompt = false): AgentLaunchOptions {
  return {
    tenantId: tenant,
    conversation,
    ...(partialMessages ? { includePartialMessages: true } : {}),
    ...(permissionPrompt ? { permissionPrompt: true } : {}),
    ...(options.cwd === '' ? {} : { workdir: options.cwd }),
    ...(options.model === null ? {} : { model: options.model }),
    ...(options.permissionMode === 'default' ? {} : { permissionMode: options.permissionMode }),
    ...(options.allowedTools.length === 0 ? {} : { allowedTools: options.allowedTools }),
    ...(options.systemPrompt === null ? {} : { appendSystemPrompt: options.systemPrompt }),
  };
}

/** The options of a session that asks for nothing special (the profile the pool prewarms). */
export const DEFAULT_AGENT_OPTIONS: Readonly<AgentOptions> = Object.freeze({
  model: null,
  cwd: '',
  permissionMode: 'default',
  allowedTools: [],
  systemPrompt: null,
});

/** The tenant of requests that name none (single-tenant deployments, auth off). */
export const DEFAULT_TENANT = 'default';
