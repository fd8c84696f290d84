/**
 * The error envelope every client sees (`{ "error": { "code", "message", "details"? } }`), the stable codes,
 * and the one table from code to HTTP status.
 */

/** Stable error codes; clients switch on these, so they never change meaning. */
export const API_ERROR_CODES = {
  badRequest: 'bad_request',
  invalidJson: 'invalid_json',
  validationFailed: 'validation_failed',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  policyRejected: 'policy_rejected',
  policyDenied: 'policy_denied',
  originNotAllowed: 'origin_not_allowed',
  notFound: 'not_found',
  methodNotAllowed: 'method_not_allowed',
  conflict: 'conflict',
  revisionOutOfRange: 'revision_out_of_range',
  payloadTooLarge: 'payload_too_large',
  uriTooLong: 'uri_too_long',
  unsupportedMediaType: 'unsupported_media_type',
  tooManyRequests: 'too_many_requests',
  rateLimited: 'rate_limited',
  budgetExhausted: 'budget_exhausted',
  internal: 'internal_error',
  unavailable: 'service_unavailable',
  storeUnavailable: 'store_unavailable',
} as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[keyof typeof API_ERROR_CODES];

/** The HTTP status each code is sent with. */
export const HTTP_STATUS_OF: Readonly<Record<ApiErrorCode, number>> = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  policy_rejected: 403,
  policy_denied: 403,
  origin_not_allowed: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  revision_out_of_range: 422,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  too_many_requests: 429,
  rate_limited: 429,
  budget_exhausted: 429,
  internal_error: 500,
  service_unavailable: 503,
  store_unavailable: 503,
};

/** An error as sent to a client. */
export interface ApiError {
  readonly code: ApiErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown>;
  /** Response headers to send with it (`retry-after` on 429/503); never part of the body. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Builds an {@link ApiError}. */
export function apiError(code: ApiErrorCode, message: string, details?: Record<string, unknown>, headers?: Readonly<Record<string, string>>): ApiError {
  return { code, message, ...(details === undefined ? {} : { details }), ...(headers === undefined ? {} : { headers }) };
}
