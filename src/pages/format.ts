/** A time to the minute, in UTC and labelled so: `2026-12-06 17:06 UTC`. */
export function utcMinute(at: number): string {
  return `${new Date(at).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}
