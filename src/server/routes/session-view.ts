/**
 * What clients see of a session: a pure projection of its machine state and context (and the revision of its
 * stream's last event) onto the {@link SessionView} schema. Internal bookkeeping (deadlines, limits, queued
 * texts, the agent's pid) stays out.
 */
import type { SessionContext, SessionStateValue } from '../../../machines/index.js';
import type { SessionView } from './schemas.js';

/** The parts of a session snapshot the view reads (any session snapshot fits). */
export interface ViewableSession {
  readonly value: SessionStateValue;
  readonly context: SessionContext;
}

/** The client-facing view of `session` as of stream revision `revision`. */
export function sessionView(session: ViewableSession, revision: bigint): SessionView {
  const { context } = session;
  const turn = context.currentTurn;
  const fault = context.lastFault;
  return {
    id: context.sessionId,
    tenant: context.tenant,
    owner: context.owner,
    state: session.value,
    participants: context.participants.map(({ userId, role }) => ({ userId, role })),
    shareable: context.shareable === true,
    options: {
      model: context.options.model,
      cwd: context.options.cwd,
      permissionMode: context.options.permissionMode,
      allowedTools: [...context.options.allowedTools],
      systemPrompt: context.options.systemPrompt,
    },
    usage: { ...context.usage },
    currentTurn: turn === null ? null : { turnId: turn.turnId, userId: turn.userId, startedAt: turn.startedAt },
    queuedMessages: context.queuedMessages.length,
    lastFault: fault === null ? null : { kind: fault.kind, at: fault.at, exitCode: fault.exitCode, detail: fault.detail },
    failures: { ...context.failures },
    claudeSessionId: context.claudeSessionId,
    // Absent in snapshots taken before forking existed.
    forkedFrom: context.forkedFrom == null ? null : { sessionId: context.forkedFrom.sessionId, revision: context.forkedFrom.revision },
    pendingApproval: pendingApprovalView(context),
    endReason: context.endReason,
    createdAt: context.createdAt,
    lastActivityAt: context.lastActivityAt,
    revision: Number(revision),
  };
}

/** The pending tool approval, as answerable clients need it; absent in snapshots taken before approvals existed. */
function pendingApprovalView({ pendingApproval: pending }: SessionContext): SessionView['pendingApproval'] {
  if (pending == null) return null;
  const { requestId, turnId, toolName, input, toolUseId, requestedAt, expiresAt } = pending;
  return { requestId, turnId, toolName, input: { ...input }, toolUseId, requestedAt, expiresAt };
}
