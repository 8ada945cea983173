/** Who is making a call. Carried explicitly into every tenant-scoped operation. */
export type Actor =
  | { type: 'operator'; id: 'operator' }
  | { type: 'api-key'; id: string; tenantId: string; scopes: readonly string[] }
  | { type: 'oauth-client'; id: string; tenantId: string; scopes: readonly string[] }
  | { type: 'system'; id: string; tenantId: string; scopes: readonly string[] };

export type TenantActor = Exclude<Actor, { type: 'operator' }>;

export const isTenantActor = (actor: Actor): actor is TenantActor => actor.type !== 'operator';
