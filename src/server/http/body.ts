/**
 * Reads a request body with a size limit and parses it as JSON. The limit is enforced from Content-Length
 * before reading and again while streaming, so a lying or chunked client cannot exceed it.
 */
import { err, ok, type Result } from 'neverthrow';
import { API_ERROR_CODES, apiError, type ApiError } from '../errors.js';
import type { Exchange } from './exchange.js';

/** Collects the body bytes; resolves with an error for an oversized body, or null if the client aborted. */
export function readBody(exchange: Exchange, declaredLength: number | null, maxBytes: number): Promise<Result<Buffer, ApiError> | null> {
  if (declaredLength !== null && declaredLength > maxBytes) return Promise.resolve(err(tooLarge(maxBytes)));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    exchange.res.onData((chunk, isLast) => {
      if (settled) return;
      // A throw here would reach uWS and end the process: turn it into a rejection the router reports.
      try {
        size += chunk.byteLength;
        if (size > maxBytes) {
          settled = true;
          resolve(err(tooLarge(maxBytes)));
          return;
        }
        // uWS reuses the chunk's memory after this callback returns: copy it.
        chunks.push(Buffer.copyBytesFrom(new Uint8Array(chunk)));
        if (isLast) {
          settled = true;
          resolve(exchange.open ? ok(Buffer.concat(chunks, size)) : null);
        }
      } catch (error) {
        settled = true;
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

function tooLarge(maxBytes: number): ApiError {
  return apiError(API_ERROR_CODES.payloadTooLarge, `request body exceeds the limit of ${maxBytes} bytes`, { limit: maxBytes });
}

/** Parses a JSON body; an empty body is `undefined`, a body without a JSON content type (or with none) is 415. */
export function parseJsonBody(bytes: Buffer, contentType: string | undefined): Result<unknown, ApiError> {
  if (bytes.length === 0) return ok(undefined);
  if (contentType === undefined || contentType === '') {
    return err(apiError(API_ERROR_CODES.unsupportedMediaType, 'expected a JSON body (application/json), got no content-type'));
  }
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(contentType)) {
    return err(apiError(API_ERROR_CODES.unsupportedMediaType, `expected a JSON body (application/json), got ${contentType}`));
  }
  try {
    return ok(JSON.parse(bytes.toString('utf8')) as unknown);
  } catch (error) {
    return err(apiError(API_ERROR_CODES.invalidJson, `request body is not valid JSON: ${(error as Error).message}`));
  }
}
