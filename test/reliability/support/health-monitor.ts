/**
 * A liveness probe that runs beside a scenario: it asks `GET /api/v1/health` and `GET /api/v1/session-pool/status`
 * in turn, one request at a time, and records every answer that is not a 200 within the bound. It checks that the
 * server keeps answering under load, not how fast (no timing benchmark: the bound is generous).
 */
import { timedGet } from './api.js';
import { sleep } from './wait.js';

/** What the monitor saw. */
export interface HealthReport {
  readonly requests: number;
  readonly slowest: number;
  /** Requests that failed, answered other than 200, or took longer than the bound. */
  readonly failures: ReadonlyArray<{ readonly path: string; readonly status: number; readonly ms: number; readonly error?: string }>;
}

const PATHS = ['/api/v1/health', '/api/v1/session-pool/status'] as const;

/** Starts probing `base` every `everyMs`, each request bounded by `boundMs`; `stop()` resolves with the report. */
export function monitorHealth(base: string, boundMs: number, everyMs = 200): { stop(): Promise<HealthReport> } {
  let running = true;
  let requests = 0;
  let slowest = 0;
  const failures: Array<{ path: string; status: number; ms: number; error?: string }> = [];
  const loop = (async () => {
    for (let i = 0; running; i += 1) {
      const path = PATHS[i % PATHS.length]!;
      const answer = await timedGet(`${base}${path}`, boundMs);
      requests += 1;
      slowest = Math.max(slowest, answer.ms);
      if (answer.status !== 200 || answer.ms > boundMs) failures.push({ path, status: answer.status, ms: Math.round(answer.ms), ...(answer.error === undefined ? {} : { error: answer.error }) });
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { requests, slowest: Math.round(slowest), failures };
    },
  };
}
