/**
 * Classifying a process exit the runner did not ask for as a session fault: killed by a signal is a
 * `crash`, any other unrequested exit is `exit` (with its code); a requested one is no fault.
 */
import { AGENT_EVENT, type ExitInfo, type FaultEvent } from './events.js';

/** The fault for `exit`, or undefined when the runner asked the process to stop. */
export function exitFault(exit: ExitInfo): FaultEvent | undefined {
  if (exit.requested) return undefined;
  const lastStderr = exit.stderrTail.trim().split('\n').pop() ?? '';
  if (exit.signal !== null) {
    return { kind: AGENT_EVENT.FAULT, fault: 'crash', exitCode: exit.code, signal: exit.signal, detail: `killed by ${exit.signal}${lastStderr ? `: ${lastStderr}` : ''}` };
  }
  return { kind: AGENT_EVENT.FAULT, fault: 'exit', exitCode: exit.code, signal: null, detail: `exited with code ${exit.code ?? '?'}${lastStderr ? `: ${lastStderr}` : ''}` };
}
