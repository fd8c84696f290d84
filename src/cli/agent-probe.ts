/**
 * The agent command's readiness probe. The agent only knows how to find its executable (`resolveAgentCommand`);
 * the server's health endpoint wants a probe. The CLI, which wires both, adapts the one into the other, so the
 * agent does not depend on the runtime's readiness types.
 */
import { describeAgentCommandError, resolveAgentCommand } from '../agent/index.js';
import type { ReadinessProbe } from '../runtime/readiness.js';

/** A readiness probe that checks the agent command can be found; not critical, history and replay still work. */
export function agentCommandProbe(command: string, pathVariable: string | undefined): ReadinessProbe {
  return {
    name: 'agent',
    critical: false,
    check: async () => {
      const resolved = resolveAgentCommand(command, pathVariable);
      return resolved.isOk() ? { ready: true, detail: resolved.value } : { ready: false, detail: describeAgentCommandError(resolved.error) };
    },
  };
}
