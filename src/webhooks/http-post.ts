/**
 * One webhook attempt over HTTP: a POST with `node:http`/`node:https` over keep-alive connections (undici's `fetch`
 * cost several times the CPU per request in the message bench), with a deadline that covers connecting, the answer
 * and its body: at `timeoutMs`, or when `signal` aborts, the request is destroyed. Redirects are not followed (a 3xx
 * is a failed attempt): the configured URL is the only place a payload goes. The answer's body is read and dropped.
 * Never throws.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** How an attempt went: a 2xx, or why not. */
export type PostOutcome =
  | { readonly ok: true; readonly status: number; readonly durationMs: number }
  | { readonly ok: false; readonly status?: number; readonly error: string; readonly durationMs: number };

/** Sends one request; the port the deliveries use (tests put a fake in its place). */
export type WebhookPost = (url: string, headers: Readonly<Record<string, string>>, body: string, timeoutMs: number, signal?: AbortSignal) => Promise<PostOutcome>;

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** {@link WebhookPost} over `node:http` / `node:https`. */
export const postWebhook: WebhookPost = (url, headers, body, timeoutMs, signal) =>
  new Promise((resolve) => {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    let settled = false;
    let timedOut = false;
    const finish = (outcome: PostOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      resolve(outcome);
    };
    const secure = url.startsWith('https:');
    const payload = Buffer.from(body, 'utf8');
    const options = { method: 'POST', agent: secure ? agents.https : agents.http, headers: { ...headers, 'content-length': String(payload.length) } };
    const onResponse = (response: IncomingMessage): void => {
      const status = response.statusCode ?? 0;
      response.on('error', () => finish({ ok: false, error: timedOut ? 'timeout' : 'network', durationMs: elapsed() }));
      response.on('end', () => finish(status >= 200 && status < 300 ? { ok: true, status, durationMs: elapsed() } : { ok: false, status, error: `http_${status}`, durationMs: elapsed() }));
      response.resume();
    };
    const request = secure ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    const fail = (): void => finish({ ok: false, error: timedOut ? 'timeout' : 'network', durationMs: elapsed() });
    const abort = (): void => {
      request.destroy();
      fail();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      abort();
    }, timeoutMs);
    request.on('error', fail);
    request.on('close', () => {
      // Closed before the answer's end: a reset connection (or a destroy above, already settled).
      if (!settled) fail();
    });
    if (signal?.aborted === true) abort();
    else signal?.addEventListener('abort', abort, { once: true });
    request.end(payload);
  });
