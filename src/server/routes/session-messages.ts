/** `POST /sessions/:id/messages` and `POST /sessions/:id/interrupt`: talking to a session's agent. */
import fastJson from 'fast-json-stringify';
import type { ApiDeps } from '../api-deps.js';
import type { Route } from '../http/types.js';
import { COMMAND_PERMISSION, SESSION_COMMAND } from '../session-access.js';
import { runSessionCommand } from '../session-commands.js';
import { AcceptedMessage, InterruptOutcome, SendMessageBody } from './schemas.js';
import { SESSIONS_PATH } from './session-lifecycle.js';
import { declareRoute } from './session-route.js';

const TAGS = ['messages'];
const serializeAccepted = fastJson(AcceptedMessage);
const serializeInterrupt = fastJson(InterruptOutcome);

/** Sending messages and interrupting turns (owners and editors; operators interrupt too), through the shared session-command path. */
export function sessionMessageRoutes(deps: ApiDeps): Route[] {
  const { auth } = deps;
  return [
    declareRoute(auth, {
      method: 'POST',
      pattern: `${SESSIONS_PATH}/:id/messages`,
      permission: COMMAND_PERMISSION.send,
      body: SendMessageBody,
      docs: {
        summary: 'Send a message; answered once it is durably accepted',
        description: 'The agent\'s reply arrives as events (`AgentOutputReceived`, then `TurnCompleted`; a turn that cannot finish ends with `TurnAborted` and its reason instead). A retry with the same `clientMsgId` returns the first acceptance with `duplicate: true` and sends nothing.',
        tags: TAGS,
        params: { id: 'Session id' },
        responses: { 202: { description: 'Accepted: the turn starts now or queues', schema: AcceptedMessage } },
        errors: [403, 404, 409, 429],
      },
      handle: async ({ context, identity, body }) => {
        const command = { kind: SESSION_COMMAND.send, text: body.text, clientMsgId: body.clientMsgId ?? null } as const;
        const sent = await runSessionCommand(deps, identity, context.params['id'] ?? '', command, context);
        if (sent.isErr()) return sent.error;
        const { turnId, revision, duplicate } = sent.value;
        return { status: 202, serialize: serializeAccepted, body: { turnId, revision: Number(revision), duplicate } };
      },
    }),
    declareRoute(auth, {
      method: 'POST',
      pattern: `${SESSIONS_PATH}/:id/interrupt`,
      permission: COMMAND_PERMISSION.interrupt,
      docs: {
        summary: 'Interrupt the running turn',
        tags: TAGS,
        params: { id: 'Session id' },
        responses: { 202: { description: 'Whether a running turn was told to stop', schema: InterruptOutcome } },
        errors: [403, 404, 409],
      },
      handle: async ({ context, identity }) => {
        // Operators may stop a turn in any session of their tenant without taking part in it (session-access.ts).
        const interrupted = await runSessionCommand(deps, identity, context.params['id'] ?? '', { kind: SESSION_COMMAND.interrupt }, context);
        if (interrupted.isErr()) return interrupted.error;
        return { status: 202, serialize: serializeInterrupt, body: { interrupted: interrupted.value } };
      },
    }),
  ];
}
