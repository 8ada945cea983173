import type { Request, Response } from 'express';
import { isResourceType, type ResourceType } from './fhir-types';

export type Interaction =
  | { kind: 'search'; type: ResourceType; viaPost: boolean }
  | { kind: 'read'; type: string; id: string }
  | { kind: 'create'; type: ResourceType }
  | { kind: 'unknown-type'; type: string }
  | { kind: 'not-allowed' };

/** What a request under a FHIR base asks for, from its method and path (`/Observation`, `/Patient/123`). */
export function interactionOf(method: string, path: string): Interaction {
  const segments = path.split('/').filter((s) => s !== '');
  const [type = '', second, third] = segments;
  if (segments.length === 0 || third !== undefined) return { kind: 'not-allowed' };
  const known = isResourceType(type);
  if (method === 'GET' && second !== undefined) return { kind: 'read', type, id: decodeURIComponent(second) };
  if (!known) return { kind: 'unknown-type', type };
  if (method === 'GET') return { kind: 'search', type, viaPost: false };
  if (method === 'POST' && second === '_search') return { kind: 'search', type, viaPost: true };
  if (method === 'POST' && second === undefined) return { kind: 'create', type };
  return { kind: 'not-allowed' };
}

/** The query string exactly as sent (without "?"). */
export function rawQuery(req: Request): string {
  const url = req.originalUrl || req.url;
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}

/** Search parameters in order with repeats; a POST _search adds its form body. */
export function searchParams(req: Request, viaPost: boolean): [string, string][] {
  const params = [...new URLSearchParams(rawQuery(req))];
  if (viaPost && Buffer.isBuffer(req.body) && /application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
    params.push(...new URLSearchParams(req.body.toString('utf8')));
  }
  return params;
}

/** Resolves when the client goes away before the response finished. */
export function abandoned(res: Response): Promise<void> {
  return new Promise((resolve) => {
    res.once('close', () => {
      if (!res.writableFinished) resolve();
    });
  });
}

export type JsonBody = { ok: true; value: unknown } | { ok: false };

export function jsonBody(req: Request): JsonBody {
  if (!Buffer.isBuffer(req.body) || req.body.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(req.body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

/** The media type without parameters, lower-cased. */
export const mediaType = (header: string | undefined): string => (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
