/**
 * Translating agent events into the session machine's input events (`machines/session.events.ts`):
 * `spawned` → `AGENT_SPAWNED`, `ready` → `AGENT_READY`, output lines of a turn → `AGENT_OUTPUT`,
 * `result` → `TURN_COMPLETED` (per-turn cost from the CLI's running total), `fault` → `AGENT_FAULT`. An assistant line's
 * output keeps the line's `uuid` as `messageUuid` (where a fork of the session can start, see `machines/session.fork.ts`).
 * Events the machine has no use for map to nothing, and so do partial-message events without text: they carry only
 * their type, and the complete assistant message follows them.
 */
import { SESSION_EVENT, type AgentOutputContent, type SessionEvent } from '../../machines/session.events.js';
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
        return {
          type: SESSION_EVENT.TURN_COMPLETED,
          at,
          turnId,
          usage: { ...event.usage },
          costUsd,
          isError: event.isError,
          ...(event.result === undefined ? {} : { result: event.result }),
          ...(event.errors.length === 0 ? {} : { errors: [...event.errors] }),
        };
      }
      case AGENT_EVENT.STREAM_EVENT:
        if (event.textDelta === undefined || event.textDelta === '') return undefined;
        return turnId === undefined ? undefined : { type: SESSION_EVENT.AGENT_OUTPUT, at, turnId, chunkType: event.kind, content: outputContent(event) };
      case AGENT_EVENT.ASSISTANT:
        if (turnId === undefined) return undefined;
        return event.uuid === undefined
          ? { type: SESSION_EVENT.AGENT_OUTPUT, at, turnId, chunkType: event.kind, content: outputContent(event) }
          : { type: SESSION_EVENT.AGENT_OUTPUT, at, turnId, chunkType: event.kind, content: outputContent(event), messageUuid: event.uuid };
      case AGENT_EVENT.INIT:
      case AGENT_EVENT.USER:
      case AGENT_EVENT.API_RETRY:
      case AGENT_EVENT.SYSTEM:
      case AGENT_EVENT.UNKNOWN:
        return turnId === undefined
          ? undefined
          : { type: SESSION_EVENT.AGENT_OUTPUT, at, turnId, chunkType: event.kind, content: outputContent(event) };
      default:
        return undefined;
    }
  }
}

/** The client-facing content of an output line (what history and streaming show). */
export function outputContent(event: AgentEvent): AgentOutputContent {
  switch (event.kind) {
    case AGENT_EVENT.ASSISTANT:
      return { text: event.text, messageId: event.messageId ?? null, blocks: event.content };
    case AGENT_EVENT.USER:
      return { blocks: event.content };
    case AGENT_EVENT.STREAM_EVENT:
      return event.textDelta === undefined ? { eventType: event.eventType } : { eventType: event.eventType, text: event.textDelta };
    case AGENT_EVENT.API_RETRY:
      return { attempt: event.attempt, maxRetries: event.maxRetries, retryDelayMs: event.retryDelayMs, errorStatus: event.errorStatus, error: event.error };
    case AGENT_EVENT.INIT:
      return { model: event.model ?? null, tools: event.tools, version: event.version ?? null };
    case AGENT_EVENT.SYSTEM:
    case AGENT_EVENT.UNKNOWN:
      return { raw: event.raw };
    default:
      return {};
  }
}
