import { saveBlob } from '../ui/save-blob';

/** CSV (RFC 4180) built from numbers the API returned, downloaded as a file without leaving the page. */

const cell = (value: string | number | null | undefined): string => {
  const text = value === null || value === undefined ? '' : String(value);
  // Quote what needs it; a leading =, +, - or @ is prefixed so spreadsheets do not run it as a formula.
  const safe = /^[=+\-@]/.test(text) && typeof value !== 'number' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export const toCsv = (rows: readonly (readonly (string | number | null | undefined)[])[]): string => rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';

export function downloadCsv(filename: string, csv: string): void {
  saveBlob(new Blob([csv], { type: 'text/csv;charset=utf-8' }), filename);
}
