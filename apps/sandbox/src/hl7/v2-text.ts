import { encodeEscapes } from '@sb/hl7';

// A few writers for the sandbox hospital's own messages, default delimiters `|^~\&`.
// Strings passed as leaves are escaped here; composites come back as `Raw` so they
// are never escaped twice.

export class Raw {
  constructor(readonly text: string) {}
}
export type Leaf = string | number | undefined | Raw;

const encode = (v: Leaf): string => (v instanceof Raw ? v.text : v === undefined ? '' : encodeEscapes(String(v)));
const trimJoin = (parts: string[], sep: string): string => {
  let end = parts.length;
  while (end > 0 && parts[end - 1] === '') end--;
  return parts.slice(0, end).join(sep);
};

/** `a^b^c` */
export const c = (...parts: Leaf[]): Raw => new Raw(trimJoin(parts.map(encode), '^'));
/** `a&b&c` */
export const s = (...parts: Leaf[]): Raw => new Raw(trimJoin(parts.map(encode), '&'));
/** `a~b` */
export const r = (...values: Leaf[]): Raw => new Raw(values.map(encode).filter((v) => v !== '').join('~'));

/** A segment from fields 1…n, given as a sparse map so field numbers read like the standard. */
export function seg(id: string, fields: Readonly<Record<number, Leaf>>): string {
  const max = Math.max(0, ...Object.keys(fields).map(Number));
  const out = [id];
  for (let n = 1; n <= max; n++) out.push(encode(fields[n]));
  return trimJoin(out, '|');
}

/** MSH with the default delimiters; `fields` are numbered from MSH-3 as in the standard. */
export function mshSeg(fields: Readonly<Record<number, Leaf>>): string {
  const max = Math.max(2, ...Object.keys(fields).map(Number));
  const out = ['MSH', '^~\\&'];
  for (let n = 3; n <= max; n++) out.push(encode(fields[n]));
  return trimJoin(out, '|');
}

/** ISO instant → `YYYYMMDDHHMMSS+0000`. */
export function dtm(iso: string): string {
  const d = new Date(iso).toISOString();
  return `${d.slice(0, 4)}${d.slice(5, 7)}${d.slice(8, 10)}${d.slice(11, 13)}${d.slice(14, 16)}${d.slice(17, 19)}+0000`;
}

/** `YYYY-MM-DD` → `YYYYMMDD`. */
export const dt = (date: string): string => date.replace(/-/g, '');
