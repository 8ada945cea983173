import { parseOutboundUrl } from '@sb/net';
import { z } from 'zod';
import { canonicalSmartScope, invalidSmartScopes } from '../scopes';

export const SMART_APP_LIMITS = { nameChars: 100, redirectUris: 10, scopes: 50, scopeChars: 600, urlChars: 2048 } as const;

const URL_REASONS: Record<string, string> = {
  invalid_url: 'must be an absolute http or https URL',
  scheme_not_allowed: 'must be an http or https URL',
  credentials_in_url: 'must not carry credentials',
  fragment_not_allowed: 'must not have a fragment (#…)',
  host_not_allowed: 'host is written in an unusual form; use the plain address or a host name',
};

/**
 * Why a URL is not an acceptable launch, redirect or JWKS URL, or null when it is: absolute
 * http(s), no credentials, no fragment (OAuth 2.0 §3.1.2). Whether plain http is allowed
 * depends on the deployment (`httpsRequiredReason`), which the service checks.
 */
export function appUrlProblem(raw: string): string | null {
  const parsed = parseOutboundUrl(raw, { allowHttp: true });
  return parsed.ok ? null : (URL_REASONS[parsed.reason] ?? 'not an acceptable URL');
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

/** Loopback hosts, where a native or developer app listens on the same machine (RFC 8252 §7.3). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return LOOPBACK_HOSTS.has(host) || host.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * In production mode the browser is sent to these URLs with launch ids and authorization
 * codes: plain http only to a loopback host. A JWKS URL is fetched by the gateway, so it
 * gets no loopback exception. Null when the URL is acceptable.
 */
export function httpsRequiredReason(raw: string, production: boolean, allowLoopback = true): string | null {
  if (!production) return null;
  const url = new URL(raw);
  if (url.protocol === 'https:') return null;
  if (allowLoopback && isLoopbackHost(url.hostname)) return null;
  return allowLoopback ? 'must be an https URL in production mode (http only for a loopback host)' : 'must be an https URL in production mode';
}

const appUrl = z
  .string()
  .min(1, 'required')
  .max(SMART_APP_LIMITS.urlChars)
  .superRefine((value, ctx) => {
    const problem = appUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const name = z.string().trim().min(1, 'required').max(SMART_APP_LIMITS.nameChars, `at most ${SMART_APP_LIMITS.nameChars} characters`);

const redirectUris = z
  .array(appUrl)
  .min(1, 'at least one redirect URI is required')
  .max(SMART_APP_LIMITS.redirectUris, `at most ${SMART_APP_LIMITS.redirectUris} redirect URIs`)
  .superRefine((uris, ctx) => {
    // OAuth compares redirect URIs as exact strings, so exact duplicates are what is refused.
    uris.forEach((uri, i) => {
      const first = uris.indexOf(uri);
      if (first !== i) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate of redirectUris.${first}` });
    });
  });

const quoted = (scope: string): string => JSON.stringify(scope.length > 64 ? `${scope.slice(0, 64)}…` : scope);

/** SMART scopes as registered: each valid (the invalid ones named), stored canonical (`.read` → `.rs`) without duplicates. */
const scopes = z
  .array(z.string().max(SMART_APP_LIMITS.scopeChars, `at most ${SMART_APP_LIMITS.scopeChars} characters`))
  .min(1, 'at least one scope is required')
  .max(SMART_APP_LIMITS.scopes, `at most ${SMART_APP_LIMITS.scopes} scopes`)
  .superRefine((list, ctx) => {
    const invalid = new Set(invalidSmartScopes(list));
    list.forEach((scope, i) => {
      if (invalid.has(scope)) ctx.addIssue({ code: 'custom', path: [i], message: `not a SMART scope: ${quoted(scope)}` });
    });
  })
  .transform((list) => [...new Set(list.map(canonicalSmartScope))]);

const jwksUrl = appUrl.meta({ description: 'Confidential asymmetric clients (private_key_jwt): where the app publishes its public keys' });

export const createSmartAppSchema = z
  .strictObject({
    name,
    /** Where the gateway sends the browser with `iss` and `launch` (EHR launch). */
    launchUrl: appUrl.meta({ description: 'The app’s launch URL: the gateway redirects here with iss and launch' }),
    redirectUris,
    scopes,
    confidential: z.boolean().default(false).meta({ description: 'A confidential client: a client secret, or private_key_jwt with jwksUrl' }),
    jwksUrl: jwksUrl.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.jwksUrl !== undefined && !v.confidential)
      ctx.addIssue({ code: 'custom', path: ['jwksUrl'], message: 'only a confidential app authenticates with keys; set confidential: true' });
  });
export type CreateSmartAppInput = z.output<typeof createSmartAppSchema>;

export const updateSmartAppSchema = z
  .strictObject({
    name: name.optional(),
    launchUrl: appUrl.optional(),
    redirectUris: redirectUris.optional(),
    scopes: scopes.optional(),
    jwksUrl: jwksUrl.optional().meta({ description: 'Confidential asymmetric apps only: a new JWKS URL' }),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), 'at least one field is required');
export type UpdateSmartAppInput = z.output<typeof updateSmartAppSchema>;
