/**
 * A REST call as user `ada` of tenant `acme` (open mode), for tests that only need the status and the parsed body:
 * `callApi(server, 'POST', '/sessions', { … })` against `<url>/api/v1/sessions`.
 */

/** A response: its status and its JSON body (`undefined` when empty). */
export interface RestReply {
  readonly status: number;
  readonly body: any;
}

/** Calls `method path` (under `/api/v1`) on `target` (a base URL, or anything with one) with an optional JSON body. */
export async function callApi(target: string | { readonly url: string }, method: string, path: string, body?: unknown): Promise<RestReply> {
  const url = typeof target === 'string' ? target : target.url;
  const headers: Record<string, string> = { 'x-user-id': 'ada', 'x-tenant-id': 'acme' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}
