/**
 * Finding the agent executable (`agent.command`) the way a shell would: a path containing a slash is used as
 * is, a bare name is looked up on PATH. A missing or non-executable command is a typed error naming the key.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { err, ok, type Result } from 'neverthrow';

/** Why the agent command cannot be run; `searched` is the PATH looked through (`null` for a path with a slash). */
export type AgentCommandError = { readonly kind: 'AgentCommandNotFound'; readonly command: string; readonly reason: string; readonly searched: string | null };

/** Resolves `command` to an absolute executable path using `pathVariable` (the PATH value). */
export function resolveAgentCommand(command: string, pathVariable: string | undefined): Result<string, AgentCommandError> {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(command)]
    : (pathVariable ?? '').split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, command));
  for (const candidate of candidates) {
    if (isExecutableFile(candidate)) return ok(candidate);
  }
  if (command.includes('/')) return err({ kind: 'AgentCommandNotFound', command, reason: 'the file does not exist or is not executable', searched: null });
  return err({ kind: 'AgentCommandNotFound', command, reason: 'not found on PATH', searched: pathVariable ?? '' });
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Describes the error for logs and health: names the config key to change, and the PATH that was searched. */
export function describeAgentCommandError(error: AgentCommandError): string {
  const where = error.searched === null ? '' : error.searched === '' ? ' (PATH is empty)' : ` (searched PATH=${error.searched})`;
  return `agent.command "${error.command}": ${error.reason}${where}`;
}
