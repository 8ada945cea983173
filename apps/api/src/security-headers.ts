import { requestScheme } from '@sb/telemetry';
import type { NextFunction, Request, Response } from 'express';

/** HSTS for a year once a request came over https (directly, or through a trusted proxy's X-Forwarded-Proto). */
const HSTS = 'max-age=31536000; includeSubDomains';

/** On every response: no MIME sniffing; HSTS over https. */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (requestScheme(req) === 'https') res.setHeader('Strict-Transport-Security', HSTS);
  next();
}
