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
