/**
 * Translating agent events into the session machine's input events (`machines/session.events.ts`):
 * `spawned` → `AGENT_SPAWNED`, `ready` → `AGENT_READY`, output lines of a turn → `AGENT_OUTPUT`,
 * `result` → `TURN_COMPLETED` (per-turn cost from the CLI's running total), `fault` → `AGENT_FAULT`.
 * Events the machine has no use for map to nothing.
 */
import { SESSION_EVENT, type SessionEvent } from '../../machines/session.events.js';
import { AGENT_EVENT, type AgentEvent } from './events.js';

/** Maps one process's events; keeps the CLI's cumulative `total_cost_usd` to report each turn's share. */
export class SessionInputMapper {
  private costSoFar = 0;

  /** The session event for `event` during `turnId` (undefined between turns) at time `at`, if any. */
  map(event: AgentEvent, turnId: string | undefined, at: number): SessionEvent | undefined {
    switch (event.kind) {
      case AGENT_EVENT.SPAWNED:
        return { type: SESSION_EVENT.AGENT_SPAWNED, at, pid: event.pid };
      case AGENT_EVENT.READY:
        return { type: SESSION_EVENT.AGENT_READY, at, claudeSessionId: event.sessionId };
      case AGENT_EVENT.FAULT:
        return { type: SESSION_EVENT.AGENT_FAULT, at, fault: event.fault, exitCode: event.exitCode ?? null, detail: event.detail };
      case AGENT_EVENT.RESULT: {
        if (turnId === undefined) return undefined;
        const costUsd = Math.max(0, event.costUsd - this.costSoFar);
        this.costSoFar = Math.max(this.costSoFar, event.costUsd);
        return { type: SESSION_EVENT.TURN_COMPLETED, at, turnId, usage: { ...event.usage }, costUsd, isError: event.isError };
      }
      case AGENT_EVENT.INIT:
      case AGENT_EVENT.ASSISTANT:
      case AGENT_EVENT.USER:
      case AGENT_EVENT.STREAM_EVENT:
      case AGENT_EVENT.API_RETRY:
      case AGENT_EVENT.SYSTEM:
      case AGENT_EVENT.UNKNOWN:
        return turnId === undefined ? undefined : { type: SESSION_EVENT.AGENT_OUTPUT, at, turnId, chunkType: event.kind };
      default:
        return undefined;
    }
  }
}
