/**
 * Forking a session at a revision of its stream: where the fork's conversation starts (`ForkOrigin`, carried by the
 * fork's `SessionProvisioned`), and the pure fold that finds it in the parent's events. The fork's agent starts with
 * `--resume <claude session> --resume-session-at <message uuid> --fork-session`: the message is the last assistant
 * line at or before the revision, named by the line's top-level `uuid` (stored as `AgentOutputReceived.messageUuid`),
 * in the Claude conversation that printed it (the latest `AgentInitialized`/`RecoverySucceeded` before it). A parent
 * that is itself a fork and has said nothing of its own yet passes on its own origin.
 */
import { SESSION_PERSISTED_NAME, SESSION_PROVISIONED } from './session.events.js';

/** Where a forked session came from, and the conversation its agent starts with. */
export interface ForkOrigin {
  /** The parent session (ours). */
  sessionId: string;
  /** The parent stream's revision the fork was taken at. */
  revision: number;
  /** The Claude conversation to fork and the message to fork at; both `null` when there was none (a fresh start). */
  claudeSessionId: string | null;
  messageUuid: string | null;
}

/** A Claude conversation and a message of it: where a fork starts. */
export interface ForkPoint {
  readonly claudeSessionId: string;
  readonly messageUuid: string;
}

/** The fold's state: the Claude conversation running now, and the latest fork point seen. */
export interface ForkPointState {
  readonly claudeSessionId: string | null;
  readonly point: ForkPoint | null;
}

/** Before any event. */
export const NO_FORK_POINT: ForkPointState = { claudeSessionId: null, point: null };

type StoredEvent = { readonly type: string; readonly data: unknown };

const record = (value: unknown): Record<string, unknown> | null => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null);
const stringField = (value: Record<string, unknown> | null, key: string): string | null => {
  const field = value?.[key];
  return typeof field === 'string' && field !== '' ? field : null;
};

/** Folds one stored session event into the fork point. */
export function foldForkPoint(state: ForkPointState, event: StoredEvent): ForkPointState {
  const data = record(event.data);
  switch (event.type) {
    case SESSION_PROVISIONED: {
      const origin = record(data?.['forkedFrom'] ?? null);
      const claudeSessionId = stringField(origin, 'claudeSessionId');
      const messageUuid = stringField(origin, 'messageUuid');
      return claudeSessionId === null || messageUuid === null ? state : { ...state, point: { claudeSessionId, messageUuid } };
    }
    case SESSION_PERSISTED_NAME.AGENT_READY:
    case SESSION_PERSISTED_NAME.RECOVERY_SUCCEEDED: {
      const claudeSessionId = stringField(data, 'claudeSessionId');
      return claudeSessionId === null ? state : { ...state, claudeSessionId };
    }
    case SESSION_PERSISTED_NAME.AGENT_OUTPUT: {
      const messageUuid = stringField(data, 'messageUuid');
      return messageUuid === null || state.claudeSessionId === null ? state : { ...state, point: { claudeSessionId: state.claudeSessionId, messageUuid } };
    }
    default:
      return state;
  }
}

/** The fork point of a stream's events (from its first, up to the revision forked at), or `null`: a fresh start. */
export function forkPointOf(events: Iterable<StoredEvent>): ForkPoint | null {
  let state = NO_FORK_POINT;
  for (const event of events) state = foldForkPoint(state, event);
  return state.point;
}

/** The origin a fork of `parentSessionId` at `revision` records, given the fork point found there. */
export function forkOrigin(parentSessionId: string, revision: number, point: ForkPoint | null): ForkOrigin {
  return { sessionId: parentSessionId, revision, claudeSessionId: point?.claudeSessionId ?? null, messageUuid: point?.messageUuid ?? null };
}
