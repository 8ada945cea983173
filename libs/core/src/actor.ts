import type { ConsoleRole } from './roles';

/** Who is making a call. Carried explicitly into every tenant-scoped operation. */
export type Actor =
  /**
   * The platform operator: the admin token (`id: 'operator'`, no session) or an operator
   * user signed in to the console (their id, and the session to end on sign-out).
   */
  | { type: 'operator'; id: string; sessionId?: string }
  | { type: 'api-key'; id: string; tenantId: string; scopes: readonly string[] }
  | { type: 'oauth-client'; id: string; tenantId: string; scopes: readonly string[] }
  /** A person signed in to the console; scopes come from the role and the PHI grant. */
  | { type: 'user'; id: string; tenantId: string; scopes: readonly string[]; role: ConsoleRole; phi: boolean; sessionId: string }
  | { type: 'system'; id: string; tenantId: string; scopes: readonly string[] };

export type TenantActor = Exclude<Actor, { type: 'operator' }>;

export const isTenantActor = (actor: Actor): actor is TenantActor => actor.type !== 'operator';
