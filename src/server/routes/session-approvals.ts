/** `POST /sessions/:id/approvals/:requestId`: an owner or editor answers a tool approval the agent is waiting for. */
import fastJson from 'fast-json-stringify';
import type { ApiDeps } from '../api-deps.js';
import type { Route } from '../http/types.js';
import { COMMAND_PERMISSION, SESSION_COMMAND } from '../session-access.js';
import { runSessionCommand } from '../session-commands.js';
import { ApprovalDecisionBody, DecidedApproval } from './schemas.js';
import { SESSIONS_PATH } from './session-lifecycle.js';
import { declareRoute } from './session-route.js';

const serializeDecided = fastJson(DecidedApproval);

/** Answering tool approvals, through the shared session-command path (the WebSocket `approve` frame takes it too). */
export function sessionApprovalRoutes(deps: ApiDeps): Route[] {
  return [
    declareRoute(deps.auth, {
      method: 'POST',
      pattern: `${SESSIONS_PATH}/:id/approvals/:requestId`,
      permission: COMMAND_PERMISSION.approve,
      body: ApprovalDecisionBody,
      docs: {
        summary: 'Answer a pending tool approval (owners and editors); the first answer wins',
        description:
          'The agent asked to use a tool and no rule decided (`ToolApprovalRequested`, with `requestId`). `allow` (optionally with `updatedInput`, or `always: true` for the rest of the session) or `deny` (with a `message` for the agent). A request already answered, expired or cancelled is `409 conflict`. See docs/approvals.md.',
        tags: ['approvals'],
        params: { id: 'Session id', requestId: 'The `requestId` of the `ToolApprovalRequested` event' },
        responses: { 200: { description: 'The decision, stored as `ToolApprovalDecided`', schema: DecidedApproval } },
        errors: [403, 404, 409],
      },
      handle: async ({ context, identity, body }) => {
        const command = { kind: SESSION_COMMAND.approve, requestId: context.params['requestId'] ?? '', decision: body } as const;
        const decided = await runSessionCommand(deps, identity, context.params['id'] ?? '', command, context);
        if (decided.isErr()) return decided.error;
        const { requestId, toolName, behavior, revision } = decided.value;
        return { status: 200, serialize: serializeDecided, body: { requestId, toolName, behavior, revision: Number(revision) } };
      },
    }),
  ];
}
