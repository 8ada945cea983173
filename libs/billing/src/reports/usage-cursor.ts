import { ErrorCode, SbError } from '@sb/core';
import { createHash } from 'node:crypto';

/** Where the next page of a usage query starts: the last row's window and dimension values. */
export interface UsageCursorKey {
  windowKey: Date;
  values: string[];
}

/** What a cursor is bound to: the tenant and every parameter that shapes the rows' order. */
export interface UsageCursorScope {
  tenantId: string;
  from: Date;
  to: Date;
  window: string;
  groupBy: readonly string[];
  timezone: string;
}

const invalidCursor = () =>
  new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'cursor', message: 'not a cursor of this query: pass `next` from the previous page of the same query' }] });

/** A short digest of the scope; a cursor only continues the query (and tenant) it came from. */
function fingerprint(scope: UsageCursorScope): string {
  const canonical = JSON.stringify([scope.tenantId, scope.from.toISOString(), scope.to.toISOString(), scope.window, scope.groupBy, scope.timezone]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

/** An opaque cursor (base64url JSON) for the page after `key`. */
export function encodeUsageCursor(scope: UsageCursorScope, key: UsageCursorKey): string {
  return Buffer.from(JSON.stringify({ f: fingerprint(scope), w: key.windowKey.toISOString(), v: key.values })).toString('base64url');
}

/** The key in a cursor of this very query, or a 400 `validation_failed` naming `cursor`. */
export function decodeUsageCursor(scope: UsageCursorScope, cursor: string): UsageCursorKey {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const c = parsed as { f?: unknown; w?: unknown; v?: unknown } | null;
  if (typeof c !== 'object' || c === null || c.f !== fingerprint(scope) || typeof c.w !== 'string') throw invalidCursor();
  const windowKey = new Date(c.w);
  if (Number.isNaN(windowKey.getTime()) || windowKey.toISOString() !== c.w) throw invalidCursor();
  if (!Array.isArray(c.v) || c.v.length !== scope.groupBy.length || !c.v.every((v) => typeof v === 'string' && v.length <= 512)) throw invalidCursor();
  return { windowKey, values: c.v as string[] };
}
