import { hasScope } from '../auth/scopes';

/** Scopes a key may carry (libs/core/src/scopes.ts ADMIN_SCOPES, and the two clinical grants), in the form's words. */
export const KEY_SCOPES: readonly { scope: string; label: string; group: 'Administration' | 'Clinical data (PHI)' }[] = [
  { scope: 'admin:connections', label: 'Manage connections', group: 'Administration' },
  { scope: 'connections:read', label: 'See connections', group: 'Administration' },
  { scope: 'connections:go-live', label: 'Take production connections live', group: 'Administration' },
  { scope: 'admin:webhooks', label: 'Manage webhooks', group: 'Administration' },
  { scope: 'webhooks:read', label: 'See webhooks', group: 'Administration' },
  { scope: 'admin:api-keys', label: 'Manage API keys', group: 'Administration' },
  { scope: 'admin:oauth-clients', label: 'Manage OAuth clients', group: 'Administration' },
  { scope: 'admin:users', label: 'Manage users and invites', group: 'Administration' },
  { scope: 'admin:tenant', label: 'Tenant settings', group: 'Administration' },
  { scope: 'usage:read', label: 'Read usage', group: 'Administration' },
  { scope: 'audit:read', label: 'Read the audit log', group: 'Administration' },
  { scope: 'system/*.rs', label: 'Read and search clinical data', group: 'Clinical data (PHI)' },
  { scope: 'system/*.cruds', label: 'Read, search and write clinical data', group: 'Clinical data (PHI)' },
];

/** True when the signed-in user may hand `scope` to a key (the API refuses the rest with 403). */
export const mayGrant = (own: readonly string[], scope: string): boolean => hasScope(own, scope);
