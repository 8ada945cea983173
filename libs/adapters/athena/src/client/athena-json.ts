import { ErrorCode, SbError } from '@sb/core';

/** The typed error for an athena body that is not JSON (no vendor text travels with it). */
export const malformedAthenaBody = (): SbError =>
  new SbError(ErrorCode.VendorError, 'athena sent a response the gateway cannot read', { details: { reason: 'malformed_response' } });

/**
 * athena's JSON, tolerating what it really sends: blank lines (and a BOM) before the
 * document (/work/shared/notes/athena.md §12.11). Anything else that does not parse
 * is a malformed response.
 */
export function parseAthenaJson(text: string): unknown {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw malformedAthenaBody();
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    throw malformedAthenaBody();
  }
}

/** Like `parseAthenaJson`, but null for an empty or non-JSON body (error bodies from athena's gateway often have none). */
export function tryParseAthenaJson(text: string): unknown {
  try {
    return parseAthenaJson(text);
  } catch {
    return null;
  }
}

