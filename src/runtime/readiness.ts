/**
 * Readiness checks of the server's dependencies (store, agent command). Each check is bounded by a timeout so
 * a hung dependency makes health report "not ready" instead of hanging the health endpoint.
 */

/** The result of one check. */
export interface ProbeResult {
  readonly ready: boolean;
  readonly detail: string;
}

/** A named dependency check. A critical one that fails makes the server unavailable, not merely degraded. */
export interface ReadinessProbe {
  readonly name: string;
  readonly critical: boolean;
  check(): Promise<ProbeResult>;
}

/** Overall status: ok (all ready), degraded (a non-critical check failed), unavailable (a critical one did). */
export type ReadinessStatus = 'ok' | 'degraded' | 'unavailable';

/** Every probe's result and the overall status. */
export interface ReadinessReport {
  readonly status: ReadinessStatus;
  readonly checks: Readonly<Record<string, ProbeResult & { readonly critical: boolean }>>;
}

/** Runs all probes concurrently, each within `timeoutMs`. */
export async function checkReadiness(probes: readonly ReadinessProbe[], timeoutMs: number): Promise<ReadinessReport> {
  const results = await Promise.all(probes.map((probe) => runProbe(probe, timeoutMs)));
  const checks: Record<string, ProbeResult & { critical: boolean }> = {};
  let status: ReadinessStatus = 'ok';
  probes.forEach((probe, index) => {
    const result = results[index]!;
    checks[probe.name] = { ...result, critical: probe.critical };
    if (!result.ready) status = probe.critical ? 'unavailable' : status === 'ok' ? 'degraded' : status;
  });
  return { status, checks };
}

async function runProbe(probe: ReadinessProbe, timeoutMs: number): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([probe.check(), timeout]);
  } catch (error) {
    return { ready: false, detail: `check failed: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}
