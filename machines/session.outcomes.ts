/**
 * The session's recorded outcomes: what some of its actions mean as stored facts. An `abortTurns` action is not a
 * side effect to perform but a fact to keep: each of its turns becomes one `TurnAborted { turnId, reason, at }`,
 * which the runtime appends in the same `append` as the event whose step produced it, so a turn that a step ends
 * can never be left open by a crash between two writes. Pure: the runtime's session kind wires it in.
 */
import type { CloseApprovalParams } from './session.approvals.js';
import { SESSION_OUTCOME_NAME, type ToolApprovalClosedData, type TurnAbortedData } from './session.events.js';
import type { AbortTurnsParams } from './session.setup.js';

/** One outcome event to store: its persisted type and data. */
export type SessionOutcome =
  | { type: typeof SESSION_OUTCOME_NAME.TURN_ABORTED; data: TurnAbortedData }
  | { type: typeof SESSION_OUTCOME_NAME.TOOL_APPROVAL_EXPIRED | typeof SESSION_OUTCOME_NAME.TOOL_APPROVAL_CANCELLED; data: ToolApprovalClosedData };

/** The action whose params are the turns a step ends. */
const ABORT_TURNS = 'abortTurns';
/** The action whose params are a pending tool approval that ended unanswered. */
const CLOSE_APPROVAL = 'closeApproval';

/** The session machine's actions that are recorded as outcome events, never performed. */
export const SESSION_RECORDED_ACTIONS: readonly string[] = [ABORT_TURNS, CLOSE_APPROVAL];

/** The outcome events of one step's `actions` (XState's executable actions), in order; `at` is the event's time. */
export function sessionOutcomes(actions: readonly { type: string; params?: unknown }[], at: number): SessionOutcome[] {
  const outcomes: SessionOutcome[] = [];
  for (const action of actions) {
    if (action.type === CLOSE_APPROVAL) {
      const params = action.params as CloseApprovalParams;
      const type = params.reason === 'timeout' ? SESSION_OUTCOME_NAME.TOOL_APPROVAL_EXPIRED : SESSION_OUTCOME_NAME.TOOL_APPROVAL_CANCELLED;
      outcomes.push({ type, data: { ...params, at } });
      continue;
    }
    if (action.type !== ABORT_TURNS) continue;
    const { turnIds, reason } = action.params as AbortTurnsParams;
    for (const turnId of turnIds) outcomes.push({ type: SESSION_OUTCOME_NAME.TURN_ABORTED, data: { turnId, reason, at } });
  }
  return outcomes;
}
