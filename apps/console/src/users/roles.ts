import type { Role } from '../api/types';

/** The console roles (libs/core/src/roles.ts) in the words the Users page uses. */
export const ROLES: readonly { value: Role; label: string; description: string }[] = [
  { value: 'owner', label: 'Owner', description: 'Everything, including tenant settings and other owners' },
  { value: 'admin', label: 'Admin', description: 'Users (not owners), connections and go-live, webhooks, API keys, usage, audit' },
  { value: 'developer', label: 'Developer', description: 'Connections, webhooks, API keys and usage' },
  { value: 'finance', label: 'Finance', description: 'Usage only' },
  { value: 'viewer', label: 'Viewer', description: 'Sees connections and webhooks, changes nothing' },
];

export const roleLabel = (role: Role): string => ROLES.find((r) => r.value === role)?.label ?? role;

/** Owners manage every role; admins every role but owner (the API refuses the rest with 403). */
export const manageableRoles = (actorRole: Role): Role[] =>
  actorRole === 'owner' ? ROLES.map((r) => r.value) : actorRole === 'admin' ? ROLES.filter((r) => r.value !== 'owner').map((r) => r.value) : [];

export const PHI_GRANT_DESCRIPTION = 'May view patient data: raw HL7 messages, FHIR resources and patient searches';
