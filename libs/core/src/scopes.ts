/**
 * Scopes in SMART App Launch style (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html):
 * clinical scopes `system/<ResourceType|*>.<cruds>` (v2) or `.read`/`.write`/`.*` (v1),
 * plus Switchboard's admin scopes such as `admin:connections` and `usage:read`.
 */
export const ADMIN_SCOPES = [
  'admin:tenant',
  'admin:users',
  'admin:api-keys',
  'admin:oauth-clients',
  'admin:connections',
  'connections:read',
  'connections:go-live',
  'admin:webhooks',
  'webhooks:read',
  'usage:read',
  'audit:read',
] as const;
export type AdminScope = (typeof ADMIN_SCOPES)[number];

/** Read-only scopes that a managing scope includes (whoever may change a thing may see it). */
const IMPLIED_BY: Partial<Record<AdminScope, AdminScope>> = {
  'connections:read': 'admin:connections',
  'webhooks:read': 'admin:webhooks',
};

const grantsAdmin = (held: AdminScope, required: AdminScope): boolean => held === required || IMPLIED_BY[required] === held;

/** Everything a tenant credential may hold; the default for a new API key. */
export const ALL_TENANT_SCOPES: readonly string[] = ['system/*.cruds', ...ADMIN_SCOPES];

export type Interaction = 'c' | 'r' | 'u' | 'd' | 's';
const INTERACTION_ORDER: readonly Interaction[] = ['c', 'r', 'u', 'd', 's'];

export type ParsedScope =
  | { kind: 'clinical'; resourceType: string; interactions: ReadonlySet<Interaction> }
  | { kind: 'admin'; name: AdminScope };

export type RequiredScope = { admin: AdminScope } | { resourceType: string; interaction: Interaction };

const CLINICAL = /^system\/(\*|[A-Z][A-Za-z]{1,63})\.([a-z*]+)$/;
const V1_PERMISSIONS: Record<string, readonly Interaction[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': INTERACTION_ORDER,
};

/** Parses one scope; returns null for anything not in the grammar. */
export function parseScope(scope: string): ParsedScope | null {
  if ((ADMIN_SCOPES as readonly string[]).includes(scope)) return { kind: 'admin', name: scope as AdminScope };
  const m = CLINICAL.exec(scope);
  if (!m) return null;
  const [, resourceType, perms] = m as unknown as [string, string, string];
  const interactions = permissionsOf(perms);
  return interactions ? { kind: 'clinical', resourceType, interactions } : null;
}

/** A scope's permissions: v1 `read`/`write`/`*`, or v2 a non-empty subsequence of "cruds" in that order; null otherwise. */
export function permissionsOf(perms: string): Set<Interaction> | null {
  const v1 = V1_PERMISSIONS[perms];
  if (v1) return new Set(v1);
  let last = -1;
  const interactions = new Set<Interaction>();
  for (const ch of perms) {
    const idx = INTERACTION_ORDER.indexOf(ch as Interaction);
    if (idx <= last) return null;
    last = idx;
    interactions.add(ch as Interaction);
  }
  return interactions.size > 0 ? interactions : null;
}

/** True for v1 permissions (`read`, `write`, `*`). */
export const isV1Permissions = (perms: string): boolean => V1_PERMISSIONS[perms] !== undefined;

/** Returns the scopes that do not parse (empty when all are valid). */
export const invalidScopes = (scopes: readonly string[]): string[] => scopes.filter((s) => parseScope(s) === null);

/** True when `granted` allows the `required` access. */
export function scopesGrant(granted: readonly string[], required: RequiredScope): boolean {
  return granted.some((g) => {
    const p = parseScope(g);
    if (!p) return false;
    if ('admin' in required) return p.kind === 'admin' && grantsAdmin(p.name, required.admin);
    return (
      p.kind === 'clinical' &&
      (p.resourceType === '*' || p.resourceType === required.resourceType) &&
      p.interactions.has(required.interaction)
    );
  });
}

/** True when every access `requested` would give is already given by `allowed`. */
export function scopeCovered(allowed: readonly string[], requested: string): boolean {
  const p = parseScope(requested);
  if (!p) return false;
  if (p.kind === 'admin') return scopesGrant(allowed, { admin: p.name });
  return [...p.interactions].every((interaction) =>
    allowed.some((a) => {
      const q = parseScope(a);
      return (
        q?.kind === 'clinical' &&
        (q.resourceType === '*' || q.resourceType === p.resourceType) &&
        q.interactions.has(interaction)
      );
    }),
  );
}

export const describeRequiredScope = (required: RequiredScope): string =>
  'admin' in required ? required.admin : `system/${required.resourceType}.${required.interaction}`;
