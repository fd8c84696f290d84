/**
 * `POST /sessions/:id/fork`: a new session, owned by the caller, in the parent's tenant and with its options (unless
 * the body names others), whose conversation is the parent's up to a revision. Who may fork: whoever may read the
 * parent (participants of any role, operators of its tenant, admins; anyone else gets `404`, as for any read) and may
 * create sessions (`sessions:use`, and the session policy for the fork's options). The parent is only read.
 */
import fastJson from 'fast-json-stringify';
import { AUDIT_ACTION, forkOrigin, type AgentOptions } from '../../../machines/index.js';
import type { SessionRequest } from '../../pool/index.js';
import type { ApiDeps } from '../api-deps.js';
import { audited } from '../audit-entry.js';
import { PERMISSION } from '../auth/index.js';
import { forkPointAt } from '../fork-point.js';
import type { Route } from '../http/types.js';
import { poolErrorToApi } from '../pool-errors.js';
import { SESSION_COMMAND, sessionOptionsProblem } from '../session-access.js';
import { runSessionCommand } from '../session-commands.js';
import { findSession, sessionStream } from '../session-lookup.js';
import { CreatedSession, ForkSessionBody } from './schemas.js';
import { SESSIONS_PATH } from './session-lifecycle.js';
import { declareRoute } from './session-route.js';
import { sessionView } from './session-view.js';

const serializeCreated = fastJson(CreatedSession);

/** The fork's options: the parent's, with those the body names instead. */
export function forkOptions(parent: AgentOptions, body: ForkSessionBody): AgentOptions {
  return {
    model: body.model ?? parent.model,
    cwd: parent.cwd,
    permissionMode: body.permissionMode ?? parent.permissionMode,
    allowedTools: body.allowedTools ?? [...parent.allowedTools],
    systemPrompt: body.systemPrompt ?? parent.systemPrompt,
  };
}

/** Forking a session at a revision. */
export function sessionForkRoutes(deps: ApiDeps): Route[] {
  const { pool, auth } = deps;
  return [
    declareRoute(auth, {
      method: 'POST',
      pattern: `${SESSIONS_PATH}/:id/fork`,
      permission: PERMISSION.useSessions,
      body: ForkSessionBody,
      docs: {
        summary: 'Fork a session at a revision: a new session that remembers the conversation up to there',
        description:
          'The fork is owned by the caller, in the parent\'s tenant, with the parent\'s options unless the body names others (not `cwd`). Its agent starts with the parent\'s conversation up to the last assistant message at or before `atRevision` (none yet: a fresh conversation); its first event (`SessionProvisioned`) names the parent and the revision in `forkedFrom`. The parent is not changed. Anyone who may read the parent and create sessions may fork it.',
        tags: ['sessions'],
        params: { id: 'The session to fork' },
        responses: { 201: { description: 'The fork', schema: CreatedSession, headers: { location: 'The fork\'s URL' } } },
        errors: [403, 404, 422, 429, 503],
      },
      handle: async ({ context, body, identity }) => {
        const id = context.params['id'] ?? '';
        const parent = await runSessionCommand(deps, identity, id, { kind: SESSION_COMMAND.view }, context);
        if (parent.isErr()) return parent.error;
        const { tenant, options, approvalRules } = parent.value.context;
        const request: SessionRequest = {
          tenant,
          userId: identity.userId,
          options: forkOptions(options, body),
          limits: {},
          metadata: body.metadata ?? {},
          ...(body.shareable === true ? { shareable: true } : {}),
          // The parent's own tool approval rules go with its conversation ("always allow" answers do not: they were
          // given for that session).
          ...(approvalRules === undefined || approvalRules.length === 0 ? {} : { approvalRules }),
        };
        const refused = sessionOptionsProblem(deps.config.security.session_policy, identity, request.options);
        if (refused !== null) return refused;
        const point = await forkPointAt(deps.store, id, body.atRevision);
        if (point.isErr()) return point.error;
        const lease = await pool.create({ ...request, forkedFrom: forkOrigin(id, body.atRevision, point.value) });
        if (lease.isErr()) return poolErrorToApi(lease.error, deps.clock.now());
        const forkId = lease.value.sessionId;
        deps.audit.record(audited(AUDIT_ACTION.sessionCreated, identity, context, { sessionId: forkId, stream: sessionStream(id), revision: body.atRevision }));
        const found = await findSession(deps, forkId);
        if (found.isErr()) return found.error;
        return {
          status: 201,
          headers: { location: `${SESSIONS_PATH}/${encodeURIComponent(forkId)}` },
          serialize: serializeCreated,
          body: { session: sessionView(found.value, found.value.revision), lease: { source: lease.value.source } },
        };
      },
    }),
  ];
}
