import { z } from 'zod';
import { parseAthenaDate, parseAthenaTime, parseDateOrEasternDateTime, parseEasternDateTime, parseIsoWithOffset } from './athena-time';

/**
 * zod building blocks for athena's unstable typing (/work/shared/notes/athena.md §12.3–4): ids and
 * numbers arrive as strings or numbers, booleans as `true`, `"false"`, `"Y"`; blank strings and
 * `null` mean "not sent"; single records come wrapped in one-element arrays and some lists are
 * arrays of arrays. Every helper turns those into one plain TypeScript shape.
 */

const isBlank = (v: unknown): boolean => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** Blank → undefined; finite numbers → their decimal text; strings trimmed. */
function textish(v: unknown): unknown {
  if (isBlank(v)) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return v.toString();
  return typeof v === 'string' ? v.trim() : v;
}

/** Optional text (string or number); blank → undefined. */
export const optText = z.preprocess(textish, z.string().optional());
/** Required text (string or number), not blank. */
export const reqText = z.preprocess(textish, z.string());

/** athena record ids as the FHIR id scheme can carry them (`5309`, `H228145`), from string or number. */
const RECORD_ID = /^[A-Za-z0-9]{1,20}$/;
export const reqId = z.preprocess(textish, z.string().regex(RECORD_ID));
export const optId = z.preprocess(textish, z.string().regex(RECORD_ID).optional());

const TRUE = new Set(['true', 'y', 'yes', '1', 't']);
const FALSE = new Set(['false', 'n', 'no', '0', 'f']);

/** Boolean from `true`/`false`, `"true"`/`"false"`, `"Y"`/`"N"`, `1`/`0`; blank → undefined. */
export const optFlag = z.preprocess((v) => {
  if (isBlank(v)) return undefined;
  if (typeof v === 'boolean') return v;
  const key = String(v).trim().toLowerCase();
  if (TRUE.has(key)) return true;
  if (FALSE.has(key)) return false;
  return v;
}, z.boolean().optional());

/** A number from a number or a numeric string; blank → undefined. */
export const optNumber = z.preprocess((v) => {
  if (isBlank(v)) return undefined;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v.trim());
  return v;
}, z.number().finite().optional());

/** A converter from text, as a zod schema that reports a custom issue (no value in the message) when it fails. */
function converted(convert: (text: string) => string | undefined, message: string) {
  return z.string().transform((text, ctx) => {
    const out = convert(text);
    if (out === undefined) {
      ctx.issues.push({ code: 'custom', message, input: text });
      return z.NEVER;
    }
    return out;
  });
}

/** `MM/DD/YYYY` → `YYYY-MM-DD`; blank → undefined. */
export const optDate = z.preprocess(textish, converted(parseAthenaDate, 'expected MM/DD/YYYY').optional());
/** `HH:mm` (24 h) → `HH:mm:ss`. */
export const reqTime = z.preprocess(textish, converted(parseAthenaTime, 'expected HH:mm'));
/** A server stamp `MM/DD/YYYY HH:mm:ss` in US Eastern (or ISO with offset) → dateTime with offset. */
export const optEasternDateTime = z.preprocess(textish, converted(parseEasternDateTime, 'expected MM/DD/YYYY HH:mm:ss').optional());
/** ISO-8601 with offset → dateTime with offset. */
export const optIsoDateTime = z.preprocess(textish, converted(parseIsoWithOffset, 'expected an ISO-8601 date-time with offset').optional());
/** A clinical date (kept a date) or date-time (`MM/DD/YYYY HH:mm:ss` in US Eastern, or ISO with offset). */
export const optDateOrDateTime = z.preprocess(textish, converted(parseDateOrEasternDateTime, 'expected a date or date-time').optional());

/** A list that may be absent, `null`, a single object, or arrays of arrays (flattened one level). */
export function list<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => {
    if (isBlank(v)) return [];
    if (!Array.isArray(v)) return [v];
    return v.flat(1).filter((x) => x !== null && x !== undefined);
  }, z.array(item));
}

/** Drops keys whose value is undefined (so mapped records print and compare cleanly). */
export function compact<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}
