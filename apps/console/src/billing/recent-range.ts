/** The last 366 whole UTC days up to tomorrow: the widest range /v1/usage/totals answers (for connection names). */
export function lastYearRange(now: Date = new Date()): { from: string; to: string } {
  const tomorrow = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return { from: new Date(tomorrow - 366 * 86_400_000).toISOString(), to: new Date(tomorrow).toISOString() };
}
