// Working-day arithmetic for promised reply dates. Weekends are skipped; public holidays are the
// firm's calendar, so answers that quote the date say 以本公司规定为准.

/** The date `days` working days after `from`, as YYYY-MM-DD in Asia/Shanghai. */
export function addWorkingDays(from: Date, days: number): string {
  const local = new Date(from.getTime() + 8 * 3600_000);
  let y = local.getUTCFullYear();
  let m = local.getUTCMonth();
  let d = local.getUTCDate();
  let left = Math.max(0, Math.floor(days));
  while (left > 0) {
    const next = new Date(Date.UTC(y, m, d + 1));
    y = next.getUTCFullYear();
    m = next.getUTCMonth();
    d = next.getUTCDate();
    const dow = next.getUTCDay();
    if (dow !== 0 && dow !== 6) left -= 1;
  }
  return new Date(Date.UTC(y, m, d)).toISOString().slice(0, 10);
}
