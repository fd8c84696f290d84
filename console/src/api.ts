/** The REST client: JSON in and out with the caller's credentials; failures as `{ status, code, message }`. */
import { authHeaders, type Credentials } from './credentials.js';

/** A refused or failed call, with the API's stable error code. */
export interface ApiFailure {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export type ApiResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiFailure };

/** Calls `method /api/v1{path}`. */
export async function call<T>(credentials: Credentials, method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
  try {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: { ...authHeaders(credentials), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed = text === '' ? undefined : JSON.parse(text);
    if (response.ok) return { ok: true, value: parsed as T };
    const error = parsed?.error ?? {};
    return { ok: false, error: { status: response.status, code: error.code ?? 'unknown', message: error.message ?? response.statusText } };
  } catch (error) {
    return { ok: false, error: { status: 0, code: 'network', message: `the server cannot be reached (${String(error)})` } };
  }
}

/** The caller, as `GET /me` says. */
export interface Me {
  readonly userId: string;
  readonly tenant: string;
  readonly role: string;
  readonly via: string;
  readonly permissions: readonly string[];
}
