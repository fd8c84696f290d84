/** `POST /sessions/:id/messages` and `POST /sessions/:id/interrupt`: talking to a session's agent. */
import fastJson from 'fast-json-stringify';
import type { ApiDeps } from '../api-deps.js';
import { interruptsAsOperator, PERMISSION } from '../auth/index.js';
import type { Route } from '../http/types.js';
import { poolErrorToApi } from '../pool-errors.js';
import { AcceptedMessage, InterruptOutcome, SendMessageBody } from './schemas.js';
import { SESSION_ACTION } from './session-access.js';
import { SESSIONS_PATH } from './session-lifecycle.js';
import { findLiveSessionFor } from './session-lookup.js';
import { declareRoute } from './session-route.js';

const TAGS = ['messages'];
const serializeAccepted = fastJson(AcceptedMessage);
const serializeInterrupt = fastJson(InterruptOutcome);

/** Sending messages and interrupting turns (owners and editors). */
export function sessionMessageRoutes(deps: ApiDeps): Route[] {
  const { pool, auth } = deps;
  return [
    declareRoute(auth, {
      method: 'POST',
      pattern: `${SESSIONS_PATH}/:id/messages`,
      permission: PERMISSION.useSessions,
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
        const id = context.params['id'] ?? '';
        const found = await findLiveSessionFor(deps, id, identity, SESSION_ACTION.write);
        if (found.isErr()) return found.error;
        const sent = await pool.send(id, { userId: identity.userId, text: body.text, clientMsgId: body.clientMsgId ?? null });
        if (sent.isErr()) return poolErrorToApi(sent.error, deps.clock.now());
        const { turnId, revision, duplicate } = sent.value;
        return { status: 202, serialize: serializeAccepted, body: { turnId, revision: Number(revision), duplicate } };
      },
    }),
    declareRoute(auth, {
      method: 'POST',
      pattern: `${SESSIONS_PATH}/:id/interrupt`,
      permission: PERMISSION.useSessions,
      docs: {
        summary: 'Interrupt the running turn',
        tags: TAGS,
        params: { id: 'Session id' },
        responses: { 202: { description: 'Whether a running turn was told to stop', schema: InterruptOutcome } },
        errors: [403, 404, 409],
      },
      handle: async ({ context, identity }) => {
        const id = context.params['id'] ?? '';
        // Operators may stop a turn in any session of their tenant without taking part in it.
        const asOperator = interruptsAsOperator(identity);
        const found = await findLiveSessionFor(deps, id, identity, asOperator ? SESSION_ACTION.manage : SESSION_ACTION.write);
        if (found.isErr()) return found.error;
        const interrupted = await pool.interrupt(id, identity.userId, { asOperator });
        if (interrupted.isErr()) return poolErrorToApi(interrupted.error, deps.clock.now());
        return { status: 202, serialize: serializeInterrupt, body: { interrupted: interrupted.value } };
      },
    }),
  ];
}
