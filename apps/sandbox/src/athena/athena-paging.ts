import type { Reply } from '../fhir/reply';
import type { AthenaParams } from './athena-params';
import { athenaJson, ATHENA_ERRORS } from './athena-reply';

/** athena's limits: most lists default to 1500 (max 5000); booked appointments 1000 (max 10000). */
export const STANDARD_LIMITS = { defaultLimit: 1500, maxLimit: 5000 } as const;
export const BOOKED_LIMITS = { defaultLimit: 1000, maxLimit: 10_000 } as const;

export interface PageWindow {
  limit: number;
  offset: number;
  /** Whether the client sent `limit` (it is echoed into `next` only then). */
  limitGiven: boolean;
}

/** limit/offset from the request; an unusable value is athena's 400. */
export function pageWindow(params: AthenaParams, limits: { defaultLimit: number; maxLimit: number }): PageWindow | Reply {
  const limitText = params.get('limit');
  const offsetText = params.get('offset');
  const bad = [limitText !== undefined && !/^\d+$/.test(limitText) ? 'limit' : undefined, offsetText !== undefined && !/^\d+$/.test(offsetText) ? 'offset' : undefined].filter(
    (x): x is string => x !== undefined,
  );
  if (bad.length > 0) return ATHENA_ERRORS.invalidFields('Expecting type integer.', bad);
  const limit = limitText === undefined ? limits.defaultLimit : Math.min(Math.max(Number(limitText), 1), limits.maxLimit);
  return { limit, offset: offsetText === undefined ? 0 : Number(offsetText), limitGiven: limitText !== undefined };
}

export const isReply = (x: unknown): x is Reply => typeof x === 'object' && x !== null && 'status' in x;

export interface LinkOptions {
  practiceId: string;
  /** The route after /v1/{practiceid}, e.g. "/patients". */
  path: string;
  params: AthenaParams;
  window: PageWindow;
  /** athena's patient list echoes parameter names upper-cased (DEPARTMENTID=162). */
  upperCaseNames?: boolean;
  /** A foreign-next-link fault: an absolute URL on another host. */
  foreignOrigin?: string;
}

/** A relative link to the page at `offset` that includes /v1/{practiceid}, as athena's `next`/`previous`. */
export function pageLink(o: LinkOptions, offset: number): string {
  const kept = o.params.queryEntries.filter(([name]) => !['limit', 'offset'].includes(name.toLowerCase()));
  const query = new URLSearchParams(kept.map(([name, value]): [string, string] => [o.upperCaseNames ? name.toUpperCase() : name, value]));
  query.set('offset', String(offset));
  if (o.window.limitGiven) query.set('limit', String(o.window.limit));
  // Slashes and colons may stay literal in a query (RFC 3986): dates read 01/01/2023 as athena echoes them.
  const text = query.toString().replace(/%2F/gi, '/').replace(/%3A/gi, ':');
  return `${o.foreignOrigin ?? ''}/v1/${o.practiceId}${o.path}?${text}`;
}

/** `{<collection>: [...], totalcount, next?, previous?}` for one page of `items`. */
export function pagedReply(collection: string, items: readonly unknown[], o: LinkOptions, extra: Record<string, unknown> = {}): Reply {
  const { limit, offset } = o.window;
  const body: Record<string, unknown> = { [collection]: items.slice(offset, offset + limit), totalcount: items.length, ...extra };
  if (offset + limit < items.length) body.next = pageLink(o, offset + limit);
  if (offset > 0) body.previous = pageLink(o, Math.max(0, offset - limit));
  return athenaJson(200, body);
}
