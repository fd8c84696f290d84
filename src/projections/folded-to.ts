/**
 * Waiting for a projection host to fold a given log position: how a command that just appended (a revoked API key)
 * answers only once what the server reads agrees with what it wrote.
 */
import type { ProjectionHost, ProjectionSet } from './projection-host.js';

/** Resolves `true` once `host` has folded `position`, or `false` after `timeoutMs` (the host is stuck or ended). */
export function foldedTo(host: Pick<ProjectionHost<ProjectionSet>, 'position' | 'onUpdate'>, position: bigint, timeoutMs: number): Promise<boolean> {
  if (host.position >= position) return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = (folded: boolean): void => {
      clearTimeout(timer);
      stop();
      resolve(folded);
    };
    const timer = setTimeout(() => settle(false), timeoutMs);
    const stop = host.onUpdate((update) => {
      if (update.position >= position) settle(true);
    });
  });
}
