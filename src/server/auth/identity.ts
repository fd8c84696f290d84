/**
 * Who is calling and what they may do: an `Identity` (user, tenant, server role) and the one table of
 * permissions per role. Tenants are isolated: only `admin` sees across tenants.
 */
import { SERVER_ROLES } from '../../config/schema.js';

/** A server role, from most to least powerful: admin, operator, user, viewer. */
export type ServerRole = (typeof SERVER_ROLES)[number];

/** An authenticated caller. */
export interface Identity {
  readonly userId: string;
  readonly tenant: string;
  readonly role: ServerRole;
  /** How the identity was established: a JWT, an API key, or no auth configured (`open`). */
  readonly via: 'jwt' | 'api_key' | 'open';
  /** The run-time API key presented (`via: 'api_key'`), so its revocation can close what it opened. */
  readonly keyId?: string;
}

/** What a caller may be allowed to do. */
export const PERMISSION = {
  /** Read sessions they take part in (and, for operators, every session of their tenant). */
  readSessions: 'sessions:read',
  /** Create sessions and send messages to sessions where their session role allows it. */
  useSessions: 'sessions:use',
  /** Act on any session of their tenant (interrupt, terminate, hibernate, manage participants) without taking part. */
  manageSessions: 'sessions:manage',
  /** Read pool, breaker, WebSocket status and metrics. */
  readStatus: 'status:read',
  /** Read raw event history and replay any stream of their tenant. */
  readEvents: 'events:read',
  /** See and act across tenants. */
  allTenants: 'tenants:all',
  /** Create, list and revoke API keys. */
  manageApiKeys: 'api_keys:manage',
  /** Read the audit log. */
  readAudit: 'audit:read',
  /** Change a tenant's budget at run time. */
  manageBudgets: 'budgets:manage',
} as const;

/** One of {@link PERMISSION}'s values. */
export type Permission = (typeof PERMISSION)[keyof typeof PERMISSION];

const P = PERMISSION;

/** The permissions of each role. */
export const ROLE_PERMISSIONS: Readonly<Record<ServerRole, readonly Permission[]>> = {
  admin: [P.readSessions, P.useSessions, P.manageSessions, P.readStatus, P.readEvents, P.allTenants, P.manageApiKeys, P.readAudit, P.manageBudgets],
  operator: [P.readSessions, P.useSessions, P.manageSessions, P.readStatus, P.readEvents],
  user: [P.readSessions, P.useSessions],
  viewer: [P.readSessions],
};

/** Whether `identity` holds `permission`. */
export function can(identity: Identity, permission: Permission): boolean {
  return ROLE_PERMISSIONS[identity.role].includes(permission);
}

/** Whether `identity` may see things of `tenant` (its own, or any for admins). */
export function seesTenant(identity: Identity, tenant: string): boolean {
  return identity.tenant === tenant || can(identity, PERMISSION.allTenants);
}

/**
 * Whether `identity` may stop a turn in a session of its tenant it does not take part in: authenticated operators
 * and admins. Self-named callers of an open server (admins by default) still go by their session role.
 */
export function interruptsAsOperator(identity: Identity): boolean {
  return identity.via !== 'open' && can(identity, PERMISSION.manageSessions);
}

const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/;

/** Whether `value` is a valid user id: 1-128 letters, digits or `._@:-`, starting with a letter or digit. */
export function isUserId(value: string): boolean {
  return USER_ID.test(value);
}

/** Whether `value` names a server role. */
export function isServerRole(value: unknown): value is ServerRole {
  return typeof value === 'string' && (SERVER_ROLES as readonly string[]).includes(value);
}
