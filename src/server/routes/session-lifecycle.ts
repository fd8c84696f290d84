/** `POST /sessions`, `GET /sessions/:id` and `DELETE /sessions/:id`: creating, reading and ending sessions. */
import fastJson from 'fast-json-stringify';
import type { SessionRequest } from '../../pool/index.js';
import { AUDIT_ACTION } from '../../../machines/index.js';
import type { ApiDeps } from '../api-deps.js';
import { audited } from '../audit-entry.js';
import { budgetProblem } from '../budget-errors.js';
import { PERMISSION } from '../auth/index.js';
import type { Route } from '../http/types.js';
import { poolErrorToApi } from '../pool-errors.js';
import { COMMAND_PERMISSION, SESSION_COMMAND, sessionOptionsProblem } from '../session-access.js';
import { runSessionCommand } from '../session-commands.js';
import { findSession } from '../session-lookup.js';
import { CreatedSession, CreateSessionBody, SessionView, TerminatedSession } from './schemas.js';
import { declareRoute } from './session-route.js';
import { sessionView } from './session-view.js';

/** Where the session API lives. */
export const SESSIONS_PATH = '/api/v1/sessions';

const TAGS = ['sessions'];
const serializeCreated = fastJson(CreatedSession);
const serializeView = fastJson(SessionView);
const serializeTerminated = fastJson(TerminatedSession);

/** The session request a caller's create body stands for: their tenant and user, the options they named. */
export function sessionRequestOf(body: CreateSessionBody, caller: { readonly tenant: string; readonly userId: string }): SessionRequest {
  return {
    tenant: caller.tenant,
    userId: caller.userId,
    options: {
      model: body.model ?? null,
      cwd: body.cwd ?? '',
      permissionMode: body.permissionMode ?? 'default',
      allowedTools: body.allowedTools ?? [],
      systemPrompt: body.systemPrompt ?? null,
    },
    limits: {},
    metadata: body.metadata ?? {},
    ...(body.shareable === true ? { shareable: true } : {}),
    ...(body.approvalRules === undefined || body.approvalRules.length === 0 ? {} : { approvalRules: body.approvalRules }),
  };
}

/** Creating, reading and terminating sessions. */
export function sessionLifecycleRoutes(deps: ApiDeps): Route[] {
  const { pool, auth } = deps;
  return [
    declareRoute(auth, {
      method: 'POST',
      pattern: SESSIONS_PATH,
      permission: PERMISSION.useSessions,
      body: CreateSessionBody,
      docs: {
        summary: 'Create a session (or, with `share`, join a suitable open one the caller may join)',
        description: 'A session is private to its owner and the users they invite (`POST /sessions/:id/participants`) unless created with `shareable: true`; `share` only ever joins a session the caller takes part in, or a shareable one they were not removed from. A tenant that reached its budget gets `429 budget_exhausted`.',
        tags: TAGS,
        responses: {
          201: { description: 'A new session, owned by the caller', schema: CreatedSession, headers: { location: 'The session\'s URL' } },
          200: { description: 'With `share`: an existing session of the tenant the caller now takes part in', schema: CreatedSession, headers: { location: 'The session\'s URL' } },
        },
        errors: [403, 429, 503],
      },
      handle: async ({ context, body, identity }) => {
        const request = sessionRequestOf(body, identity);
        const refused = sessionOptionsProblem(deps.config.security.session_policy, identity, request.options);
        if (refused !== null) return refused;
        // A new session takes one more live session; joining one with `share` spends only turns.
        const overBudget = budgetProblem(deps.budgets, identity.tenant, body.share !== true, deps.clock.now());
        if (overBudget !== null) return overBudget;
        const lease = await (body.share === true ? pool.acquire(request) : pool.create(request, { correlationId: context.requestId }));
        if (lease.isErr()) return poolErrorToApi(lease.error, deps.clock.now());
        deps.audit.record(audited(lease.value.source === 'existing' ? AUDIT_ACTION.sessionJoined : AUDIT_ACTION.sessionCreated, identity, context, { sessionId: lease.value.sessionId }));
        const found = await findSession(deps, lease.value.sessionId);
        if (found.isErr()) return found.error;
        return {
          status: lease.value.source === 'existing' ? 200 : 201,
          headers: { location: `${SESSIONS_PATH}/${encodeURIComponent(lease.value.sessionId)}` },
          serialize: serializeCreated,
          body: { session: sessionView(found.value, found.value.revision), lease: { source: lease.value.source } },
        };
      },
    }),
    declareRoute(auth, {
      method: 'GET',
      pattern: `${SESSIONS_PATH}/:id`,
      permission: COMMAND_PERMISSION.view,
      docs: { summary: 'A session: state, participants, options, usage', tags: TAGS, params: { id: 'Session id' }, responses: { 200: { description: 'The session', schema: SessionView } }, errors: [404] },
      handle: async ({ context, identity }) => {
        const found = await runSessionCommand(deps, identity, context.params['id'] ?? '', { kind: SESSION_COMMAND.view }, context);
        if (found.isErr()) return found.error;
        return { status: 200, serialize: serializeView, body: sessionView(found.value, found.value.revision) };
      },
    }),
    declareRoute(auth, {
      method: 'DELETE',
      pattern: `${SESSIONS_PATH}/:id`,
      permission: COMMAND_PERMISSION.terminate,
      docs: {
        summary: 'Terminate a session (its owner, or an operator of its tenant)',
        description: 'A session that already ended stays readable; terminating it again is `409 conflict`.',
        tags: TAGS,
        params: { id: 'Session id' },
        responses: { 200: { description: 'The session is terminated', schema: TerminatedSession } },
        errors: [403, 404, 409],
      },
      handle: async ({ context, identity }) => {
        const id = context.params['id'] ?? '';
        const terminated = await runSessionCommand(deps, identity, id, { kind: SESSION_COMMAND.terminate }, context);
        if (terminated.isErr()) return terminated.error;
        return { status: 200, serialize: serializeTerminated, body: { id, state: 'terminated' } };
      },
    }),
  ];
}
