/**
 * The turn lifecycle guarantee, checked on a session's stored stream: every `MessageAccepted` is followed by
 * exactly one terminal event for its `turnId` (`TurnCompleted`, with `isError` or not, or `TurnAborted`), and no
 * terminal event names a turn that is not open.
 */
import { SESSION_OUTCOME_NAME, SESSION_PERSISTED_NAME as S } from '../../machines/index.js';

/** A stored event as this check reads it. */
export interface TurnEvent {
  readonly type: string;
  readonly data: unknown;
}

const turnIdOf = (event: TurnEvent): string => String((event.data as { turnId?: unknown } | null)?.turnId);

/** What is wrong with the turn endings of one session's events (oldest first); `[]` when every turn ended once. */
export function turnEndingProblems(events: readonly TurnEvent[], options: { readonly allowOpen?: boolean } = {}): string[] {
  const open = new Set<string>();
  const problems: string[] = [];
  for (const event of events) {
    const turnId = turnIdOf(event);
    if (event.type === S.MESSAGE_ACCEPTED) {
      if (open.has(turnId)) problems.push(`${turnId} accepted again while open`);
      open.add(turnId);
    } else if (event.type === S.TURN_COMPLETED || event.type === SESSION_OUTCOME_NAME.TURN_ABORTED) {
      if (!open.delete(turnId)) problems.push(`${event.type} for ${turnId}, which is not open`);
    }
  }
  if (options.allowOpen !== true) for (const turnId of open) problems.push(`${turnId} never ended`);
  return problems;
}
