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
  | { type: 'system'; id: string; tenantId: string; scopes: readonly string[] }
  /**
   * A SMART app launched through the gateway (issue 15): its token stands for one launch
   * (`id`), on one connection, with the SMART scopes granted (patient/, user/ or system/,
   * v2 with optional query restrictions) and, under patient scopes, one patient.
   */
  | { type: 'smart-app'; id: string; tenantId: string; scopes: readonly string[]; appId: string; connectionId: string; patientId?: string; fhirUser?: string };

export type TenantActor = Exclude<Actor, { type: 'operator' }>;

export const isTenantActor = (actor: Actor): actor is TenantActor => actor.type !== 'operator';
