/** `GET /api/v1/health`: status, version, uptime, profile and the readiness of each dependency. */
import fastJson from 'fast-json-stringify';
import { checkReadiness, type ReadinessProbe } from '../../runtime/readiness.js';
import type { Route } from '../http/types.js';

/** How long each dependency check may take before it counts as not ready. */
const PROBE_TIMEOUT_MS = 2_000;

const serializeHealth = fastJson({
  type: 'object',
  properties: {
    status: { type: 'string' },
    version: { type: 'string' },
    uptime_seconds: { type: 'number' },
    started_at: { type: 'string' },
    profile: { type: 'string' },
    checks: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { ready: { type: 'boolean' }, critical: { type: 'boolean' }, detail: { type: 'string' } },
      },
    },
  },
});

/** What the health route reports on. */
export interface HealthDeps {
  readonly version: string;
  readonly profile: string;
  readonly startedAt: Date;
  readonly probes: readonly ReadinessProbe[];
  /** Clock in ms, injectable for tests. */
  readonly now?: () => number;
}

/** Health is 200 when ok or degraded (the server can still serve), 503 when a critical dependency is down. */
export function healthRoutes(deps: HealthDeps): Route[] {
  const now = deps.now ?? Date.now;
  return [
    {
      method: 'GET',
      pattern: '/api/v1/health',
      // Load balancers poll it, often through the proxy every client comes through: never limited per address.
      probe: true,
      handler: async () => {
        const report = await checkReadiness(deps.probes, PROBE_TIMEOUT_MS);
        return {
          status: report.status === 'unavailable' ? 503 : 200,
          serialize: serializeHealth,
          headers: { 'cache-control': 'no-store' },
          body: {
            status: report.status,
            version: deps.version,
            uptime_seconds: Math.round((now() - deps.startedAt.getTime()) / 100) / 10,
            started_at: deps.startedAt.toISOString(),
            profile: deps.profile,
            checks: report.checks,
          },
        };
      },
    },
  ];
}
