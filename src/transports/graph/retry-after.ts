/**
 * `Retry-After` (RFC 9110 §10.2.3) in milliseconds: delay-seconds, which Graph may send fractional
 * (`Retry-After: 2.128`, learn:throttling), or an HTTP-date measured from `nowMs`. Null when absent or
 * unreadable.
 */
export const retryAfterMs = (value: string | null, nowMs: number): number | null => {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
};
