/**
 * The times the audit query and `aicli-api audit tail` accept: an ISO 8601 date or date-time (`2026-12-04`,
 * `2026-12-04T10:00:00Z`), epoch milliseconds, or a duration meaning that long ago (`15m`, `2h`, `1d`).
 */
import { err, ok, type Result } from 'neverthrow';
import { parseDuration } from '../config/index.js';

/** What a time that does not parse is told. */
export const AUDIT_TIME_HINT = 'an ISO 8601 time (2026-12-04T10:00:00Z), epoch milliseconds, or a duration ago (15m, 2h, 1d)';

/** Epoch ms of `text`, with durations counted back from `now`. */
export function parseAuditTime(text: string, now: number): Result<number, string> {
  const trimmed = text.trim();
  if (/^\d{1,15}$/.test(trimmed)) return ok(Number(trimmed));
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const at = Date.parse(trimmed);
    return Number.isNaN(at) ? err(AUDIT_TIME_HINT) : ok(at);
  }
  const ago = parseDuration(trimmed);
  return ago.isOk() ? ok(now - ago.value) : err(AUDIT_TIME_HINT);
}
