/** What every view gets: the caller, their credentials, the REST client bound to them and the page's socket. */
import { call, type ApiResult, type Me } from './api.js';
import type { Credentials } from './credentials.js';
import type { ConsoleSocket } from './ws-client.js';

export interface AppContext {
  readonly me: Me;
  readonly credentials: Credentials;
  readonly socket: ConsoleSocket;
  api<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>>;
  /** Goes to a hash route (`#/sessions`, `#/s/<id>` …). */
  go(route: string): void;
}

export function appContext(me: Me, credentials: Credentials, socket: ConsoleSocket): AppContext {
  return { me, credentials, socket, api: (method, path, body) => call(credentials, method, path, body), go: (route) => (location.hash = route) };
}

/** Whether the caller's role has `permission`. */
export const may = (context: AppContext, permission: string): boolean => context.me.permissions.includes(permission);
