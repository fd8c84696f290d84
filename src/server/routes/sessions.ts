/**
 * The `/api/v1/sessions…` routes: create, read and terminate sessions, send messages and interrupts, read
 * history and past states, manage participants, fork a session at a revision. Every route authenticates (`guarded`), validates its input
 * against the TypeBox schemas of `schemas.ts`, checks session-level rights (`session-access.ts`) and maps
 * pool errors through `poolErrorToApi`.
 */
import type { ApiDeps } from '../api-deps.js';
import type { Route } from '../http/types.js';
import { sessionForkRoutes } from './session-fork.js';
import { sessionApprovalRoutes } from './session-approvals.js';
import { sessionHistoryRoutes } from './session-history.js';
import { sessionLifecycleRoutes } from './session-lifecycle.js';
import { sessionMessageRoutes } from './session-messages.js';
import { sessionParticipantRoutes } from './session-participants.js';

/** The `/api/v1/sessions…` routes. */
export function sessionRoutes(deps: ApiDeps): Route[] {
  return [...sessionLifecycleRoutes(deps), ...sessionMessageRoutes(deps), ...sessionHistoryRoutes(deps), ...sessionParticipantRoutes(deps), ...sessionForkRoutes(deps), ...sessionApprovalRoutes(deps)];
}
