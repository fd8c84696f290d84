/**
 * The few REST calls the reliability scenarios make against a server process (auth off: the caller names itself
 * with `x-user-id`): create a session, send a message, read a session's whole history and state, read the
 * Prometheus metrics, and time a GET for liveness checks.
 */

/** One stored event as `GET /api/v1/sessions/:id/events` returns it. */
export interface HistoryEvent {
  readonly revision: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly at: number;
}

const json = (userId: string): Record<string, string> => ({ 'content-type': 'application/json', 'x-user-id': userId });

async function call(url: string, init: RequestInit, timeoutMs = 10_000): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (metrics): keep the text
  }
  return { status: response.status, body };
}

/** Creates a session owned by `userId`; rejects with the answer when it is not 201. */
export async function createSession(base: string, userId: string): Promise<string> {
  const { status, body } = await call(`${base}/api/v1/sessions`, { method: 'POST', headers: json(userId), body: '{}' });
  if (status !== 201) throw new Error(`POST /api/v1/sessions: ${status} ${JSON.stringify(body)}`);
  return (body as { session: { id: string } }).session.id;
}

/** Sends a message over REST; the acceptance (`202`) or the error answer. */
export async function postMessage(base: string, sessionId: string, userId: string, text: string, clientMsgId: string): Promise<{ status: number; turnId?: string; revision?: number; body: unknown }> {
  const { status, body } = await call(`${base}/api/v1/sessions/${sessionId}/messages`, { method: 'POST', headers: json(userId), body: JSON.stringify({ text, clientMsgId }) });
  if (status !== 202) return { status, body };
  const accepted = body as { turnId: string; revision: number };
  return { status, body, turnId: accepted.turnId, revision: accepted.revision };
}

/** The session's stored history from revision `from` (default: all of it), page by page. */
export async function sessionHistory(base: string, sessionId: string, userId: string, fromRevision = 0): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let from: number | null = fromRevision;
  while (from !== null) {
    const { status, body } = await call(`${base}/api/v1/sessions/${sessionId}/events?from=${from}&limit=1000`, { headers: json(userId) });
    if (status !== 200) throw new Error(`GET events of ${sessionId}: ${status} ${JSON.stringify(body)}`);
    const page = body as { events: HistoryEvent[]; nextFrom: number | null };
    events.push(...page.events);
    from = page.nextFrom;
  }
  return events;
}

/** The session's state (`idle`, `busy`, `failed` …). */
export async function sessionState(base: string, sessionId: string, userId: string): Promise<string> {
  const { status, body } = await call(`${base}/api/v1/sessions/${sessionId}`, { headers: json(userId) });
  if (status !== 200) throw new Error(`GET session ${sessionId}: ${status} ${JSON.stringify(body)}`);
  return (body as { state: string }).state;
}

/** The Prometheus samples of `GET /api/v1/metrics`, keyed by `name{labels}` as printed. */
export async function metricSamples(base: string): Promise<Map<string, number>> {
  const { status, body } = await call(`${base}/api/v1/metrics`, {});
  if (status !== 200 || typeof body !== 'string') throw new Error(`GET /api/v1/metrics: ${status}`);
  const samples = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** A GET's status (0 when it failed or timed out) and how long it took. */
export async function timedGet(url: string, timeoutMs: number): Promise<{ status: number; ms: number; error?: string }> {
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - started };
  } catch (error) {
    return { status: 0, ms: performance.now() - started, error: String(error) };
  }
}
