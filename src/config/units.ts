/**
 * Human units used in config files: durations (`500ms`, `30s`, `5m`, `1h30m`) and byte sizes
 * (`512KiB`, `1MB`). Parsing is strict: a bare number is rejected because its unit would be a guess.
 */
import { err, ok, type Result } from 'neverthrow';

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;

/** The text shown to users when a duration does not parse. */
export const DURATION_HINT = 'a duration such as 500ms, 30s, 5m, 1h or 1h30m';

/** Parses `30s`, `5m`, `1h30m`, `1.5s` or `0s` into whole milliseconds. */
export function parseDuration(text: string): Result<number, string> {
  const trimmed = text.trim();
  if (trimmed === '') return err(DURATION_HINT);
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = DURATION_PART.exec(trimmed); match; match = DURATION_PART.exec(trimmed)) {
    total += Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS];
    consumed = DURATION_PART.lastIndex;
  }
  if (consumed !== trimmed.length || !Number.isFinite(total)) return err(DURATION_HINT);
  return ok(Math.round(total));
}

/** Formats milliseconds as the shortest exact duration text (`90000` → `1m30s`); inverse of parseDuration. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000], ['ms', 1]] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      parts.push(`${count}${unit}`);
      rest -= count * size;
    }
  }
  return parts.join('');
}

const SIZE_UNITS = {
  B: 1,
  KB: 1_000,
  MB: 1_000_000,
  GB: 1_000_000_000,
  KiB: 1_024,
  MiB: 1_048_576,
  GiB: 1_073_741_824,
} as const;
const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)$/;

/** The text shown to users when a size does not parse. */
export const SIZE_HINT = 'a size such as 512KiB, 1MiB, 2GiB (or KB/MB/GB, powers of 1000)';

/** Parses `1MiB`, `512KB`, `100B` into a whole number of bytes. */
export function parseByteSize(text: string): Result<number, string> {
  const match = SIZE_PATTERN.exec(text.trim());
  if (!match) return err(SIZE_HINT);
  return ok(Math.round(Number(match[1]) * SIZE_UNITS[match[2] as keyof typeof SIZE_UNITS]));
}

/** Formats bytes with the largest binary unit that divides them exactly (`1048576` → `1MiB`). */
export function formatByteSize(bytes: number): string {
  for (const [unit, size] of [['GiB', SIZE_UNITS.GiB], ['MiB', SIZE_UNITS.MiB], ['KiB', SIZE_UNITS.KiB]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}
