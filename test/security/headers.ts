/**
 * Response headers on a sample of routes (public JSON, tenant JSON, FHIR, GraphQL, the API
 * document, errors, the console's HTML): `X-Content-Type-Options: nosniff`, no `X-Powered-By`
 * or `Server` banner, HSTS when the request came over https (a TLS-terminating proxy says so with
 * `X-Forwarded-Proto: https`), and a strict Content-Security-Policy on the console's HTML.
 */
import type { CallResult } from '@sb/testing';
import { probe } from './probe';
import type { World } from './probe-world';

export interface HeadersContext {
  world: World;
  /** A connection of tenant A whose FHIR metadata the facade serves. */
  connectionId: string;
}

interface SampleRoute {
  label: string;
  call: (ctx: HeadersContext, headers: Record<string, string>) => Promise<CallResult>;
  html?: boolean;
}

export const SAMPLE_ROUTES: readonly SampleRoute[] = [
  { label: 'GET /health', call: (c, h) => c.world.stack.call('GET', '/health', undefined, undefined, h) },
  { label: 'GET /v1/connections', call: (c, h) => c.world.stack.call('GET', '/v1/connections', c.world.a.key, undefined, h) },
  { label: 'GET /v1/connections (401)', call: (c, h) => c.world.stack.call('GET', '/v1/connections', undefined, undefined, h) },
  { label: 'GET /fhir/r4/{connectionId}/metadata', call: (c, h) => c.world.stack.call('GET', `/fhir/r4/${c.connectionId}/metadata`, c.world.a.key, undefined, h) },
  { label: 'POST /graphql', call: (c, h) => c.world.stack.call('POST', '/graphql', c.world.a.key, { query: '{ viewer { actorType } }' }, h) },
  { label: 'GET /openapi.json', call: (c, h) => c.world.stack.call('GET', '/openapi.json', undefined, undefined, h) },
  { label: 'GET /console', call: (c, h) => c.world.stack.call('GET', '/console', undefined, undefined, h), html: true },
  { label: 'GET /console/connections', call: (c, h) => c.world.stack.call('GET', '/console/connections', undefined, undefined, h), html: true },
];

const HTTPS = { 'x-forwarded-proto': 'https' };
/** 180 days: the shortest max-age browsers' preload lists and most scanners accept. */
const MIN_HSTS_SECONDS = 15_552_000;

/** The directives of a CSP header: `script-src` → its sources. */
export function cspDirectives(header: string | null): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

export function describeHeaders(ctx: () => HeadersContext): void {
  for (const route of SAMPLE_ROUTES) {
    probe('headers', `${route.label}: X-Content-Type-Options: nosniff`, async () => {
      const res = await route.call(ctx(), {});
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    });
    probe('headers', `${route.label}: no X-Powered-By or Server banner`, async () => {
      const res = await route.call(ctx(), {});
      expect({ poweredBy: res.headers.get('x-powered-by'), server: res.headers.get('server') }).toEqual({ poweredBy: null, server: null });
    });
    probe('headers', `${route.label}: Strict-Transport-Security over https (X-Forwarded-Proto)`, async () => {
      const res = await route.call(ctx(), HTTPS);
      const maxAge = Number(/max-age=(\d+)/i.exec(res.headers.get('strict-transport-security') ?? '')?.[1] ?? 0);
      expect({ maxAgeAtLeast180Days: maxAge >= MIN_HSTS_SECONDS, header: res.headers.get('strict-transport-security') }).toMatchObject({ maxAgeAtLeast180Days: true });
    });
    if (!route.html) continue;
    probe('headers', `${route.label}: strict Content-Security-Policy on the console's HTML`, async () => {
      const res = await route.call(ctx(), {});
      expect(res.headers.get('content-type')).toContain('text/html');
      const csp = cspDirectives(res.headers.get('content-security-policy'));
      const scripts = csp.get('script-src') ?? csp.get('default-src');
      expect({
        scriptsRestricted: scripts !== undefined && !scripts.includes("'unsafe-inline'") && !scripts.includes("'unsafe-eval'") && !scripts.includes('*'),
        objectsBlocked: (csp.get('object-src') ?? csp.get('default-src'))?.includes("'none'") === true || csp.get('default-src')?.includes("'self'") === true,
        framingRestricted: csp.has('frame-ancestors'),
        header: res.headers.get('content-security-policy'),
      }).toMatchObject({ scriptsRestricted: true, objectsBlocked: true, framingRestricted: true });
    });
  }
}
