import type { AdminScope } from './scopes';

/** Console roles, as Redox and Stripe name them; each is a fixed set of scopes. */
export const CONSOLE_ROLES = ['owner', 'admin', 'developer', 'finance', 'viewer'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/**
 * What each role may do (README "Console roles" renders this table). Owners and
 * admins differ only in that admins cannot manage owners (checked by the users
 * service) and do not hold tenant settings.
 */
export const ROLE_SCOPES: Readonly<Record<ConsoleRole, readonly AdminScope[]>> = {
  owner: [
    'admin:tenant',
    'admin:users',
    'admin:api-keys',
    'admin:oauth-clients',
    'admin:connections',
    'connections:go-live',
    'admin:webhooks',
    'usage:read',
    'audit:read',
  ],
  admin: ['admin:users', 'admin:api-keys', 'admin:oauth-clients', 'admin:connections', 'connections:go-live', 'admin:webhooks', 'usage:read', 'audit:read'],
  developer: ['admin:api-keys', 'admin:oauth-clients', 'admin:connections', 'admin:webhooks', 'usage:read'],
  finance: ['usage:read'],
  viewer: ['connections:read', 'webhooks:read'],
};

/**
 * The PHI grant (raw HL7 messages, FHIR resources, patient searches) adds clinical
 * scopes: read/search for roles that change nothing, everything for the others.
 */
const PHI_SCOPES: Readonly<Record<ConsoleRole, string>> = {
  owner: 'system/*.cruds',
  admin: 'system/*.cruds',
  developer: 'system/*.cruds',
  finance: 'system/*.rs',
  viewer: 'system/*.rs',
};

export const scopesOfRole = (role: ConsoleRole, phi: boolean): string[] => [...ROLE_SCOPES[role], ...(phi ? [PHI_SCOPES[role]] : [])];
