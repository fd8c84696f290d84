/**
 * One webhook attempt over HTTP: a POST with a deadline (an `AbortController` aborts the request, the answer's
 * headers and its body alike, at `timeoutMs`, or when `signal` aborts). Redirects are not followed (a 3xx is a failed attempt): the
 * configured URL is the only place a payload goes. The answer's body is read and dropped. Never throws.
 */

/** How an attempt went: a 2xx, or why not. */
export type PostOutcome =
  | { readonly ok: true; readonly status: number; readonly durationMs: number }
  | { readonly ok: false; readonly status?: number; readonly error: string; readonly durationMs: number };

/** Sends one request; the port the deliveries use (tests put a fake in its place). */
export type WebhookPost = (url: string, headers: Readonly<Record<string, string>>, body: string, timeoutMs: number, signal?: AbortSignal) => Promise<PostOutcome>;

/** {@link WebhookPost} with the platform's `fetch`. */
export const postWebhook: WebhookPost = async (url, headers, body, timeoutMs, signal) => {
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const elapsed = (): number => Math.round(performance.now() - started);
  try {
    const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: signal === undefined ? controller.signal : AbortSignal.any([controller.signal, signal]) });
    await response.arrayBuffer();
    const { status } = response;
    return status >= 200 && status < 300 ? { ok: true, status, durationMs: elapsed() } : { ok: false, status, error: `http_${status}`, durationMs: elapsed() };
  } catch {
    return { ok: false, error: controller.signal.aborted ? 'timeout' : 'network', durationMs: elapsed() };
  } finally {
    clearTimeout(timer);
  }
};
