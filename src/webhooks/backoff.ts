/**
 * Back-off between delivery attempts: exponential from `baseMs` (doubling per failed attempt), capped at `maxMs`,
 * with "equal jitter": the wait is drawn uniformly from the upper half of the capped value, so retries of many
 * deliveries spread out but none comes back sooner than half the nominal wait.
 */

/** The retry timing of a webhook endpoint. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** The wait before the attempt after failed attempt `attempt` (1 = the first attempt failed); `random` in [0, 1). */
export function retryDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const nominal = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 52)));
  return Math.round(nominal / 2 + random() * (nominal / 2));
}
