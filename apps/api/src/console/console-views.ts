import type { UserActor } from '@sb/auth';
import type { ConsoleInvite, ConsoleUser, OperatorUser, Tenant } from '@sb/db';

/** Response shapes of the console routes: explicit fields, never hashes or tokens. */
export const consoleUserView = (u: ConsoleUser) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  phi: u.phiAccess,
  status: u.revokedAt ? ('revoked' as const) : ('active' as const),
  lastLoginAt: u.lastLoginAt,
  revokedAt: u.revokedAt,
  createdAt: u.createdAt,
});

export const inviteStatus = (i: ConsoleInvite, now = Date.now()): 'accepted' | 'revoked' | 'expired' | 'pending' =>
  i.acceptedAt ? 'accepted' : i.revokedAt ? 'revoked' : i.expiresAt.getTime() <= now ? 'expired' : 'pending';

export const inviteView = (i: ConsoleInvite) => ({
  id: i.id,
  email: i.email,
  role: i.role,
  phi: i.phiAccess,
  status: inviteStatus(i),
  expiresAt: i.expiresAt,
  acceptedAt: i.acceptedAt,
  createdAt: i.createdAt,
});

export const meView = (actor: UserActor, user: ConsoleUser, tenant: Tenant, csrfToken: string) => ({
  user: { id: user.id, email: user.email, name: user.name },
  tenant: { id: tenant.id, name: tenant.name, slug: tenant.slug },
  role: actor.role,
  phi: actor.phi,
  scopes: actor.scopes,
  csrfToken,
});

/** An operator user's /me: no tenant, no tenant scopes; the operator routes are theirs. */
export const operatorMeView = (user: OperatorUser, csrfToken: string) => ({
  user: { id: user.id, email: user.email, name: user.name },
  tenant: null,
  role: 'operator' as const,
  phi: false,
  scopes: [] as string[],
  csrfToken,
});
