/**
 * `POST /sessions/:id/participants` (add a user, or change an existing participant's role) and
 * `DELETE /sessions/:id/participants/:userId`. The owner or an operator of the tenant manages participants; a
 * participant may also remove themselves. The owner can be neither changed nor removed.
 */
import fastJson from 'fast-json-stringify';
import { AUDIT_ACTION, roleOf } from '../../../machines/index.js';
import type { ApiDeps } from '../api-deps.js';
import { audited } from '../audit-entry.js';
import { PERMISSION, permissionProblem, type Identity } from '../auth/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from '../errors.js';
import type { HttpResponseSpec, Route } from '../http/types.js';
import { poolErrorToApi } from '../pool-errors.js';
import { AddParticipantBody, ParticipantList } from './schemas.js';
import { SESSION_ACTION } from '../session-access.js';
import { sessionFor } from '../session-commands.js';
import { findSession } from '../session-lookup.js';
import { SESSIONS_PATH } from './session-lifecycle.js';
import { declareRoute } from './session-route.js';

const TAGS = ['participants'];
const serializeList = fastJson(ParticipantList);

/** Managing who takes part in a session. */
export function sessionParticipantRoutes(deps: ApiDeps): Route[] {
  const { pool, auth } = deps;

  /** The session's participants now, as the response of a change. */
  const participants = async (id: string): Promise<HttpResponseSpec | ApiError> => {
    const found = await findSession(deps, id);
    if (found.isErr()) return found.error;
    return { status: 200, serialize: serializeList, body: { participants: found.value.context.participants.map(({ userId, role }) => ({ userId, role })) } };
  };

  return [
    declareRoute(auth, {
      method: 'POST',
      pattern: `${SESSIONS_PATH}/:id/participants`,
      permission: PERMISSION.useSessions,
      body: AddParticipantBody,
      docs: {
        summary: 'Add a participant, or change an existing participant\'s role (owner or operator)',
        description: 'Roles are `editor` (may send messages and interrupt) and `viewer` (read only); ownership cannot be transferred.',
        tags: TAGS,
        params: { id: 'Session id' },
        responses: { 200: { description: 'The participants after the change', schema: ParticipantList } },
        errors: [403, 404, 409],
      },
      handle: async ({ context, identity, body }) => {
        const id = context.params['id'] ?? '';
        const found = await sessionFor(deps, identity, id, SESSION_ACTION.manage, true, context);
        if (found.isErr()) return found.error;
        const current = roleOf(found.value.context, body.userId);
        if (current === 'owner') return apiError(API_ERROR_CODES.conflict, `${body.userId} owns session ${id}; the owner's role cannot change`);
        if (current !== body.role) {
          const changed = await (current === null ? pool.join(id, body.userId, body.role) : pool.changeRole(id, body.userId, body.role));
          if (changed.isErr()) return poolErrorToApi(changed.error, deps.clock.now());
          deps.audit.record(audited(current === null ? AUDIT_ACTION.participantAdded : AUDIT_ACTION.participantRoleChanged, identity, context, { sessionId: id, userId: body.userId, role: body.role }));
        }
        return participants(id);
      },
    }),
    declareRoute(auth, {
      method: 'DELETE',
      pattern: `${SESSIONS_PATH}/:id/participants/:userId`,
      permission: PERMISSION.readSessions,
      docs: {
        summary: 'Remove a participant (owner or operator; anyone may remove themselves); never the owner',
        tags: TAGS,
        params: { id: 'Session id', userId: 'The participant to remove' },
        responses: { 200: { description: 'The participants after the change', schema: ParticipantList } },
        errors: [403, 404, 409],
      },
      handle: async ({ context, identity }) => {
        const id = context.params['id'] ?? '';
        const userId = context.params['userId'] ?? '';
        const found = await sessionFor(deps, identity, id, removalAction(identity, userId), true, context);
        if (found.isErr()) return found.error;
        // The route is open to readers (anyone may leave); removing someone else takes what adding them takes.
        if (identity.userId !== userId) {
          const problem = permissionProblem(identity, PERMISSION.useSessions);
          if (problem !== null) {
            auth.denied?.(identity, problem, context);
            return problem;
          }
        }
        const role = roleOf(found.value.context, userId);
        if (role === null) return apiError(API_ERROR_CODES.notFound, `${userId} is not a participant of session ${id}`);
        if (role === 'owner') return apiError(API_ERROR_CODES.conflict, `${userId} owns session ${id} and cannot be removed`);
        // Removed by someone else: they cannot join again by sharing until invited (leaving on one's own is not a removal).
        const left = await pool.leave(id, userId, { removed: identity.userId !== userId });
        if (left.isErr()) return poolErrorToApi(left.error, deps.clock.now());
        deps.audit.record(audited(AUDIT_ACTION.participantRemoved, identity, context, { sessionId: id, userId }));
        return participants(id);
      },
    }),
  ];
}

/** Leaving takes only sight of the session; removing someone else takes managing it. */
function removalAction(identity: Identity, userId: string): typeof SESSION_ACTION.view | typeof SESSION_ACTION.manage {
  return identity.userId === userId ? SESSION_ACTION.view : SESSION_ACTION.manage;
}
