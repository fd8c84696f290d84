/** Display formats: money, durations, times. */
export const usd = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : `$${value.toFixed(value < 1 ? 4 : 2)}`);
export const time = (at: number): string => new Date(at).toLocaleTimeString();
export const ago = (at: number, now = Date.now()): string => {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  return `${Math.round(seconds / 3600)}h ago`;
};
export const json = (value: unknown): string => JSON.stringify(value, null, 2);

/** A byte count in binary units: `512 B`, `1.5 KiB`, `11.8 GiB`. */
export const bytes = (value: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let scaled = value;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${scaled.toFixed(1)} ${units[unit]}`;
};

/** Counts by name on one line, largest first: `ready 3 · busy 1`; `none` when every count is 0 or there are none. */
export const counts = (byName: Record<string, number> | null | undefined): string => {
  const shown = Object.entries(byName ?? {})
    .filter(([, count]) => count > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([name, count]) => `${name} ${count}`);
  return shown.length === 0 ? 'none' : shown.join(' · ');
};
