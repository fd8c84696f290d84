import { describe, expect, it } from 'vitest';
import { errorFrame } from './ws/frames.js';
import { poolErrorToApi } from './pool-errors.js';

describe('poolErrorToApi: an open breaker', () => {
  it('is 503 with retry-after in whole seconds over REST, and retryAfterMs in the details a WS error frame carries', () => {
    const error = poolErrorToApi({ kind: 'BreakerOpen', breaker: 'anthropic-api', retryAt: 10_250 }, 8_000);
    expect(error).toMatchObject({ code: 'service_unavailable', details: { breaker: 'anthropic-api', retryAfterMs: 2_250 }, headers: { 'retry-after': '3' } });
    expect(error.message).toContain('circuit breaker anthropic-api is open');
    expect(JSON.parse(errorFrame(error, 'r1'))).toEqual({ type: 'error', code: 'service_unavailable', message: error.message, details: { breaker: 'anthropic-api', retryAfterMs: 2_250 }, ref: 'r1' });
  });

  it('never advertises a past or sub-second retry as 0 seconds, and none at all while isolated', () => {
    expect(poolErrorToApi({ kind: 'BreakerOpen', breaker: 'anthropic-api', retryAt: 7_000 }, 8_000)).toMatchObject({ details: { retryAfterMs: 0 }, headers: { 'retry-after': '1' } });
    const isolated = poolErrorToApi({ kind: 'BreakerOpen', breaker: 'anthropic-api', retryAt: null }, 8_000);
    expect(isolated.details).toEqual({ breaker: 'anthropic-api' });
    expect(isolated.headers).toBeUndefined();
  });
});
