/**
 * The one table from session-pool errors to what a client sees: an error code (and so an HTTP status and a WS
 * error frame code) and a message, with `retry-after` where waiting helps (a saturated pool, an open breaker).
 */
import { describePoolError, type PoolError } from '../pool/index.js';
import { formatRuntimeError } from '../runtime/index.js';
import { API_ERROR_CODES as C, apiError, type ApiError } from './errors.js';

/** Seconds a client should wait before retrying on a saturated pool. */
const POOL_RETRY_AFTER_SECONDS = 1;

const retryAfter = (seconds: number): Record<string, string> => ({ 'retry-after': String(Math.max(1, Math.ceil(seconds))) });

/**
 * The event store could not store (or read) what the request needed: nothing was acknowledged, and retrying once
 * the store is back is safe (a resent message with the same `clientMsgId` is not stored twice).
 */
export function storeUnavailableError(message: string): ApiError {
  return apiError(C.storeUnavailable, message, undefined, retryAfter(POOL_RETRY_AFTER_SECONDS));
}

/** The client-facing form of `error`. */
export function poolErrorToApi(error: PoolError, now: number = Date.now()): ApiError {
  const message = describePoolError(error);
  switch (error.kind) {
    case 'PoolClosed':
      return apiError(C.unavailable, message, undefined, retryAfter(POOL_RETRY_AFTER_SECONDS));
    case 'PoolExhausted':
      return apiError(C.tooManyRequests, message, { live: error.live, cap: error.cap }, retryAfter(POOL_RETRY_AFTER_SECONDS));
    case 'SessionNotFound':
      return apiError(C.notFound, message);
    case 'SessionClosed':
      return apiError(C.conflict, message, { state: error.state });
    case 'NotParticipant':
      return apiError(C.forbidden, message);
    case 'MessageRefused':
      return error.reason === 'queue-full'
        ? apiError(C.tooManyRequests, message, { reason: error.reason }, retryAfter(POOL_RETRY_AFTER_SECONDS))
        : apiError(C.conflict, message, { reason: error.reason });
    case 'ApprovalNotPending':
      return apiError(C.conflict, message, { requestId: error.requestId });
    case 'BreakerOpen': {
      // REST: `retry-after` (whole seconds, at least 1); a WS error frame has no headers, so the details carry
      // `retryAfterMs` too. None while isolated by an operator: nobody can say when.
      if (error.retryAt === null) return apiError(C.unavailable, message, { breaker: error.breaker });
      const retryAfterMs = Math.max(0, error.retryAt - now);
      return apiError(C.unavailable, message, { breaker: error.breaker, retryAfterMs }, retryAfter(retryAfterMs / 1000));
    }
    case 'InvalidRequest':
      return apiError(C.validationFailed, message);
    case 'StoreUnreadable':
      return storeUnavailableError(message);
    case 'Timeout':
    case 'Agent':
    case 'AgentStartFailed':
      return apiError(C.unavailable, message);
    case 'Runtime':
      if (error.error.kind === 'ActorConflict') return apiError(C.conflict, formatRuntimeError(error.error));
      if (error.error.kind === 'ActorNotFound') return apiError(C.notFound, formatRuntimeError(error.error));
      if (error.error.kind === 'StoreFailure' && error.error.cause.kind === 'StoreUnavailable') return storeUnavailableError(formatRuntimeError(error.error));
      return apiError(C.unavailable, formatRuntimeError(error.error));
    case 'Extension':
      switch (error.error.kind) {
        case 'HandlerRejected':
        case 'MessageRejected':
          return apiError(C.policyRejected, error.error.message, { reason: error.error.code });
        default:
          return apiError(C.internal, message);
      }
  }
}
