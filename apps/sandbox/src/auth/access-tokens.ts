import { randomBytes } from 'node:crypto';
import type { Vendor } from '../faults/fault-queue';

/** SMART App Launch (smart/): the signed-in user and launch context a user token stands for. */
export interface UserSession {
  /** One authorization: its code, access tokens and refresh tokens (revoked together when the code is replayed). */
  sessionId: string;
  /** The user's FHIR resource URL (`<base>/Practitioner/<id>`). */
  fhirUser: string;
  patient?: string;
  encounter?: string;
}

export interface Grant {
  vendor: Vendor;
  clientId: string;
  /** Oracle: the tenant the token was issued for. */
  tenantId?: string;
  scopes: string[];
  expiresAtMs: number;
  /** Present on SMART App Launch user tokens; absent on backend-services (system) tokens. */
  user?: UserSession;
}

/** A reason to refuse a user token that is otherwise valid (the SMART error switches request_invalid_token / request_expired_token). */
export type UserTokenRefusal = (grant: Grant) => 'invalid' | 'expired' | undefined;

export type TokenCheck = { ok: true; grant: Grant } | { ok: false; reason: 'missing' | 'invalid' | 'expired' | 'wrong-tenant' };

/** Sweeping expired tokens on every N-th issue keeps the map bounded without a timer. */
const SWEEP_EVERY = 500;

/** Opaque bearer tokens, in memory: a restart logs every client out, as a real EHR may. */
export class AccessTokens {
  private readonly grants = new Map<string, Grant>();
  private issued = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly refuseUserToken: UserTokenRefusal = () => undefined,
  ) {}

  issue(grant: Omit<Grant, 'expiresAtMs'>, ttlSeconds: number): { token: string; grant: Grant } {
    if (++this.issued % SWEEP_EVERY === 0) this.sweep();
    const token = randomBytes(32).toString('base64url');
    const full = { ...grant, expiresAtMs: this.now() + ttlSeconds * 1000 };
    this.grants.set(token, full);
    return { token, grant: full };
  }

  /** Reads `Authorization: Bearer …` and checks the token belongs to this vendor (and tenant). */
  check(authorization: string | undefined, vendor: Vendor, tenantId?: string): TokenCheck {
    const token = bearerToken(authorization);
    if (token === undefined) return { ok: false, reason: 'missing' };
    const grant = this.grants.get(token);
    if (!grant || grant.vendor !== vendor) return { ok: false, reason: 'invalid' };
    if (grant.expiresAtMs <= this.now()) {
      this.grants.delete(token);
      return { ok: false, reason: 'expired' };
    }
    if (tenantId !== undefined && grant.tenantId !== tenantId) return { ok: false, reason: 'wrong-tenant' };
    const refused = grant.user ? this.refuseUserToken(grant) : undefined;
    if (refused) return { ok: false, reason: refused };
    return { ok: true, grant };
  }

  /** Ends a token early (the token-expiry fault). */
  expire(authorization: string | undefined): void {
    const token = bearerToken(authorization);
    if (token !== undefined) this.grants.delete(token);
  }

  revokeClient(clientId: string): void {
    this.revokeWhere((grant) => grant.clientId === clientId);
  }

  revokeWhere(predicate: (grant: Grant) => boolean): void {
    for (const [token, grant] of this.grants) if (predicate(grant)) this.grants.delete(token);
  }

  private sweep(): void {
    const now = this.now();
    for (const [token, grant] of this.grants) if (grant.expiresAtMs <= now) this.grants.delete(token);
  }
}

export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m?.[1];
}
