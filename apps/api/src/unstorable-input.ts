import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { ErrorCode, holdsUnstorableText, SbError } from '@sb/core';

const UNSTORABLE = 'Text holding U+0000 or an unpaired UTF-16 surrogate cannot be stored';

/**
 * body-parser `verify`: refuses a JSON body whose strings hold U+0000 or a lone
 * surrogate (both arrive only as `\u` escapes) before anything is done with it;
 * Postgres refuses them, so a create would otherwise reach the EHR and then fail.
 * Bodies without a `\u` escape, nearly all of them, are not parsed twice.
 */
export function refuseUnstorableJson(_req: IncomingMessage, _res: unknown, body: Buffer): void {
  if (!body.includes('\\u')) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return; // body-parser's own parse answers malformed JSON
  }
  if (holdsUnstorableText(parsed)) throw new SbError(ErrorCode.ValidationFailed, UNSTORABLE);
}

/** Refuses a URL holding a NUL (`%00`) in its path or query. */
export function refuseNulInUrl(req: Request, _res: Response, next: NextFunction): void {
  next(/%00/i.test(req.originalUrl) ? new SbError(ErrorCode.ValidationFailed, UNSTORABLE) : undefined);
}
