import { ErrorCode, SbError } from '@sb/core';
import type { z } from 'zod';

/** Most field paths carried in a malformed-response error (enough to find the field, bounded for logs). */
const MAX_PATHS = 10;

/**
 * The typed error for an athena payload the gateway cannot read: a 502 naming the record and the
 * field paths that failed (`appointments[3].date`), never their values (values are PHI).
 */
export function malformedResponse(record: string, paths: readonly string[] = []): SbError {
  return new SbError(ErrorCode.VendorError, 'athena sent a response the gateway cannot read', {
    details: { reason: 'malformed_response', record, ...(paths.length ? { paths: paths.slice(0, MAX_PATHS) } : {}) },
  });
}

/** `['appointments', 3, 'date']` → `appointments[3].date`. */
export function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** Paths of a zod error's issues, deduplicated; messages and received values are dropped on purpose. */
export function issuePaths(error: z.ZodError): string[] {
  return [...new Set(error.issues.map((issue) => pathOf(issue.path)))];
}

/**
 * Parses with a schema; on failure throws {@link malformedResponse} (no cause chained: a zod
 * error carries the received values).
 */
export function parseOrFail<T>(schema: z.ZodType<T>, json: unknown, record: string): T {
  const result = schema.safeParse(json);
  if (!result.success) throw malformedResponse(record, issuePaths(result.error));
  return result.data;
}

/** A single-record read that found nothing (athena answers `[]`). */
export const athenaRecordNotFound = (record: string): SbError => new SbError(ErrorCode.NotFound, 'Resource not found', { details: { record } });
