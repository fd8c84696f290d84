/**
 * HTTP fuzz: fast-check generates requests against the real API on loopback (see ./http-cases.ts) and sends
 * each over a raw socket. Every case gets its typed answer — a 4xx in the `{error:{code,message}}` envelope
 * whose code maps to that status, or the documented 2xx for a valid read — never a 5xx; every response carries
 * `x-request-id`; no exception is counted as internal; the server keeps answering; and the stored sessions are
 * exactly as before. `AICLI_FUZZ_RUNS` sets the number of cases (default 300; a soak run uses 10000 or more).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_ERROR_CODES, HTTP_STATUS_OF, type ApiErrorCode } from '../../src/server/errors.js';
import { waitForState } from '../pool/support.js';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { rawHttp, type RawResponse } from '../support/raw-http.js';
import { fuzzCase, type FuzzCase } from './http-cases.js';

const RUNS = Number(process.env['AICLI_FUZZ_RUNS'] ?? 300);
const SEED = process.env['AICLI_FUZZ_SEED'] === undefined ? undefined : Number(process.env['AICLI_FUZZ_SEED']);
const MAX_BODY_BYTES = 16 * 1024;
const CODES = new Set<string>(Object.values(API_ERROR_CODES));

async function call(api: TestApi, method: string, path: string, body?: unknown): Promise<RawResponse> {
  const headers: [string, string][] = [['x-user-id', 'ada'], ['x-tenant-id', 'acme'], ...(body === undefined ? [] : ([['content-type', 'application/json']] as [string, string][]))];
  return rawHttp(Number(new URL(api.url).port), { method, target: path, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** Everything stored about sessions: each session stream's revision and the fixture's full history. */
async function storedSessions(api: TestApi, sessionId: string): Promise<string> {
  const streams = (await api.store.listStreams({ prefix: 'session-' }))._unsafeUnwrap();
  const history = (await api.store.readStream(`session-${sessionId}`))._unsafeUnwrap();
  return JSON.stringify({
    streams: streams.map(({ stream, revision }) => [stream, String(revision)]).sort(),
    history: history.map((event) => [String(event.revision), event.type, event.data]),
  });
}

/** Why `response` is not what `fuzz` must get, or undefined when it is. */
function problemWith(fuzz: FuzzCase, response: RawResponse): string | undefined {
  if (response.status === 0) return `no answer (${response.ended ?? 'closed'})`;
  if (response.status >= 500) return `server error ${response.status}: ${response.body.slice(0, 200)}`;
  if (response.headers['x-request-id'] === undefined) return 'no x-request-id';
  if (!fuzz.statuses.includes(response.status)) return `status ${response.status}, expected ${fuzz.statuses.join(' or ')}: ${response.body.slice(0, 200)}`;
  if (response.status < 400 || fuzz.request.method === 'HEAD') return undefined;
  let envelope: { error?: { code?: unknown; message?: unknown; details?: Record<string, unknown> } };
  try {
    envelope = JSON.parse(response.body) as typeof envelope;
  } catch {
    return `not JSON: ${response.body.slice(0, 200)}`;
  }
  const { error } = envelope;
  if (error === undefined || typeof error.code !== 'string' || typeof error.message !== 'string' || !CODES.has(error.code)) return `not an error envelope: ${response.body.slice(0, 200)}`;
  if (HTTP_STATUS_OF[error.code as ApiErrorCode] !== response.status) return `code ${error.code} with status ${response.status}`;
  if (fuzz.code !== undefined && error.code !== fuzz.code) return `code ${error.code}, expected ${fuzz.code}: ${error.message}`;
  for (const [key, value] of Object.entries(fuzz.details ?? {})) {
    if (JSON.stringify(error.details?.[key]) !== JSON.stringify(value)) return `details.${key} ${JSON.stringify(error.details?.[key])}, expected ${JSON.stringify(value)}`;
  }
  return undefined;
}

describe('HTTP fuzz', () => {
  it(`answers ${RUNS} generated bad requests with typed errors, keeps serving and changes no stored data`, { timeout: 60_000 + RUNS * 50 }, async () => {
    const api = await startTestApi({ 'server.max_body_size': `${MAX_BODY_BYTES}B` });
    const port = Number(new URL(api.url).port);
    const created = await call(api, 'POST', '/api/v1/sessions', {});
    expect(created.status).toBe(201);
    const sessionId = JSON.parse(created.body).session.id as string;
    await waitForState(api.pool, sessionId, 'ready');
    expect((await call(api, 'POST', `/api/v1/sessions/${sessionId}/participants`, { userId: 'bob', role: 'viewer' })).status).toBe(200);
    const lastRevision = JSON.parse((await call(api, 'GET', `/api/v1/sessions/${sessionId}`)).body).revision as number;
    const before = await storedSessions(api, sessionId);

    const byStatus = new Map<number, number>();
    const byKind = new Map<string, number>();
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(fuzzCase({ sessionId, lastRevision, maxBodyBytes: MAX_BODY_BYTES }), async (fuzz) => {
        const response = await rawHttp(port, fuzz.request);
        cases++;
        byStatus.set(response.status, (byStatus.get(response.status) ?? 0) + 1);
        byKind.set(fuzz.kind, (byKind.get(fuzz.kind) ?? 0) + 1);
        const problem = problemWith(fuzz, response);
        if (problem !== undefined) throw new Error(`${fuzz.kind}: ${fuzz.request.method} ${fuzz.request.target.slice(0, 120)}: ${problem}`);
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );

    const statuses = [...byStatus].sort(([a], [b]) => a - b).map(([status, count]) => `${status}: ${count}`).join(', ');
    const kinds = [...byKind].sort(([, a], [, b]) => b - a).map(([kind, count]) => `${kind}: ${count}`).join(', ');
    console.log(`HTTP fuzz: ${cases} cases; by status ${statuses}; by kind ${kinds}`);

    // Still serving, nothing stored changed, and no exception was caught anywhere in the HTTP layer.
    expect((await call(api, 'GET', `/api/v1/sessions/${sessionId}`)).status).toBe(200);
    expect(await storedSessions(api, sessionId)).toBe(before);
    const metrics = (await call(api, 'GET', '/metrics')).body;
    expect(metrics).toMatch(/^aicli_internal_errors_total\{transport="http"\} 0$/m);
  });
});
