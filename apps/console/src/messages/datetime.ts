/** `<input type="datetime-local">` values (local wall time, no zone) ⇄ ISO 8601 instants the API takes. */

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-12-01T09:30" (local) → "2026-12-01T08:30:00.000Z"; empty or invalid → undefined. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** An ISO instant → the local "YYYY-MM-DDTHH:mm" a datetime-local input shows. */
export function isoToLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
