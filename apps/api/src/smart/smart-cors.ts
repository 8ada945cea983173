import type { NextFunction, Request, Response } from 'express';

/**
 * CORS for browser SMART apps (SMART App Launch 2.2: servers that support browser apps SHALL):
 * any origin, no cookies — the bearer token is the only credential these endpoints take.
 */
export function allowCors(req: Request, res: Response): void {
  if (!req.headers.origin) return;
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept, Prefer, If-Match, If-None-Exist');
  res.setHeader('Access-Control-Expose-Headers', 'Location, Content-Location, ETag');
  res.setHeader('Access-Control-Max-Age', '600');
}

/** The FHIR facade for browser SMART apps: CORS on every answer, preflights answered before authentication. */
export function fhirCors(req: Request, res: Response, next: NextFunction): void {
  allowCors(req, res);
  if (req.method === 'OPTIONS' && req.headers.origin) {
    res.status(204).end();
    return;
  }
  next();
}
