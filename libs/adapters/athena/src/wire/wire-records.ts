import { z } from 'zod';
import { athenaRecordNotFound, malformedResponse, parseOrFail } from './wire-errors';
import { list, optNumber, optText } from './wire-primitives';

/** One page of an athena list: `{<collection>: [...], totalcount, next}` (/work/shared/notes/athena.md §7). */
export interface AthenaPage<T> {
  items: T[];
  /** athena's `totalcount`, when sent. */
  totalCount?: number;
  /** athena's relative `next` link (`/v1/{practiceid}/…`), or null on the last page. */
  next: string | null;
}

/**
 * A single record: athena answers single-record GETs with a one-element array
 * (`GET /patients/{id}` → `[{…}]`); a bare object is accepted too. `[]` is a 404; more than one
 * element is not a single record.
 */
export function parseSingle<T>(schema: z.ZodType<T>, json: unknown, record: string): T {
  let body = json;
  if (Array.isArray(body)) {
    if (body.length === 0) throw athenaRecordNotFound(record);
    if (body.length > 1) throw malformedResponse(record, ['(root)']);
    body = body[0];
  }
  return parseOrFail(schema, body, record);
}

/**
 * A page of records under `collection`; a bare array (reference searches, enhancedbestmatch) is a page
 * without paging. One unreadable item refuses the whole page: a silently shorter list is a wrong answer.
 */
export function parsePage<T>(item: z.ZodType<T>, json: unknown, collection: string, record: string): AthenaPage<T> {
  if (Array.isArray(json)) return { items: parseOrFail(list(item), json, record), next: null };
  // An object without the collection is only an empty page when athena says so (`totalcount: 0`).
  if (json && typeof json === 'object' && !(collection in json) && Number((json as { totalcount?: unknown }).totalcount) !== 0) {
    throw malformedResponse(record, [collection]);
  }
  const envelope = z.object({ [collection]: list(item), totalcount: optNumber, next: optText });
  const page = parseOrFail(envelope, json, record) as { totalcount?: number; next?: string } & Record<string, T[]>;
  return { items: page[collection], ...(page.totalcount !== undefined ? { totalCount: page.totalcount } : {}), next: page.next ?? null };
}
