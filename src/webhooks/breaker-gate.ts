/**
 * One circuit breaker per endpoint (`webhook-<endpoint id>`, stream `breaker-webhook-<endpoint id>`), the same
 * machine and options (`error_recovery.circuit_breaker`) as every other dependency: a dead endpoint trips it, and
 * while it is open deliveries wait for it instead of spending attempts; its state shows in
 * `aicli_circuit_breaker_state` like the others'.
 */
import { errAsync, ResultAsync } from 'neverthrow';
import type { BreakerOptions } from '../../machines/index.js';
import { openBreakerGuard, POOL_ERROR_KIND, type BreakerGuard } from '../pool/index.js';
import { BREAKER_ACTOR, createActorHost, formatRuntimeError, type Clock, type RuntimeError } from '../runtime/index.js';
import type { EventStore } from '../store/index.js';
import type { DeliveryGate } from './endpoint-deliveries.js';

/** The breaker name of endpoint `endpointId`. */
export const webhookBreakerName = (endpointId: string): string => `webhook-${endpointId}`;

/** A breaker guard as the deliveries' gate. */
export function breakerGate(guard: BreakerGuard): DeliveryGate {
  return {
    admit: () =>
      guard.admit().match(
        () => ({ admitted: true as const }),
        (error) => ({ admitted: false as const, retryAt: error.kind === POOL_ERROR_KIND.BreakerOpen ? error.retryAt : null }),
      ),
    succeeded: (durationMs) => guard.succeeded(durationMs),
    failed: (durationMs, errorKind) => guard.failed(durationMs, errorKind),
  };
}

/** The endpoints' breakers, hosted on their own actor host. */
export interface WebhookBreakers {
  readonly gates: ReadonlyMap<string, DeliveryGate>;
  /** Stops the breakers' host (not the store). */
  close(): Promise<void>;
}

/** Loads (or creates) the breaker of each endpoint in `endpointIds`; `report` hears about breaker events not stored. */
export function openWebhookBreakers(
  store: EventStore,
  clock: Clock,
  options: BreakerOptions,
  endpointIds: readonly string[],
  report: (message: string) => void,
): ResultAsync<WebhookBreakers, RuntimeError> {
  const host = createActorHost({ store, clock, onFault: (fault) => report(`webhook breaker ${fault.stream}: ${fault.kind}`) });
  const actors = host.actors(BREAKER_ACTOR, {});
  const reportError = (error: RuntimeError): void => report(`a webhook breaker could not record an event: ${formatRuntimeError(error)}`);
  const opened = ResultAsync.combine(
    endpointIds.map((id) => openBreakerGuard(actors, webhookBreakerName(id), options, clock, reportError).map((guard) => [id, breakerGate(guard)] as const)),
  );
  return opened
    .map((entries): WebhookBreakers => ({ gates: new Map(entries), close: () => host.close() }))
    .orElse((error) => ResultAsync.fromSafePromise(host.close()).andThen(() => errAsync(error)));
}
