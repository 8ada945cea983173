import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ErrorCode, SbError, scopesOfRole, type Actor } from '@sb/core';
import { ConsoleSessionRepository, ConsoleUserRepository, OperatorUserRepository, type ConsoleSessionPrincipal } from '@sb/db';
import { randomBytes } from 'node:crypto';
import { safeEqual, sha256Hex } from '../credentials';
import { LoginThrottle } from './login-throttle';
import { verifyPassword } from './passwords';

export type UserActor = Extract<Actor, { type: 'user' }>;
/** An operator user signed in to the console (the admin token's actor has no session). */
export type OperatorSessionActor = Extract<Actor, { type: 'operator' }> & { sessionId: string };
/** Whoever a console session belongs to: a tenant's user or an operator user. */
export type SessionActor = UserActor | OperatorSessionActor;

/** `lastSeenAt` is written at most this often per session, not on every request. */
const TOUCH_RESOLUTION_MS = 60_000;

const SESSION_TOKEN = /^sbses_[A-Za-z0-9_-]{43}$/;

export interface SignedIn {
  /** The cookie value: shown to the browser once, stored only as its SHA-256. */
  token: string;
  actor: SessionActor;
  csrfToken: string;
  expiresAt: Date;
}

const invalidCredentials = (): SbError => new SbError(ErrorCode.InvalidCredentials, 'Email or password is incorrect');

/**
 * Console sign-in: server-side sessions in Postgres, idle and absolute timeouts, revocable
 * at once. One sign-in for everyone: a tenant's user, or else an operator user (emails are
 * unique across both), with the same throttle, cookie, timeouts and CSRF token.
 */
@Injectable()
export class ConsoleSessionService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: ConsoleUserRepository,
    private readonly operatorUsers: OperatorUserRepository,
    private readonly sessions: ConsoleSessionRepository,
    private readonly throttle: LoginThrottle,
  ) {}

  async signIn(email: string, password: string, address: string): Promise<SignedIn> {
    await this.throttle.beforeAttempt(email, address);
    const user = await this.users.findCredentialByEmail(email);
    const operatorUser = user ? null : await this.operatorUsers.findCredentialByEmail(email);
    const ok = await verifyPassword(user?.passwordHash ?? operatorUser?.passwordHash ?? null, password);
    const active = user ? !user.revokedAt && user.tenantStatus === 'active' : Boolean(operatorUser && !operatorUser.revokedAt);
    if (!ok || !active) {
      await this.throttle.recordFailure(email, address);
      throw invalidCredentials();
    }
    await this.throttle.recordSuccess(email, address);
    const now = new Date();
    const token = `sbses_${randomBytes(32).toString('base64url')}`;
    const csrfToken = randomBytes(24).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.config.consoleAbsoluteTimeoutMs);
    const secrets = { tokenHash: sha256Hex(token), csrfToken, expiresAt };
    if (user) {
      const session = await this.sessions.create({ tenantId: user.tenantId, userId: user.id }, secrets);
      await this.users.recordLogin(user.tenantId, user.id, now);
      return { token, csrfToken, expiresAt, actor: this.actorOf({ ...session, kind: 'user', user, tenantStatus: user.tenantStatus }) };
    }
    if (!operatorUser) throw invalidCredentials(); // not reached: `active` is false without one
    const session = await this.sessions.create({ operatorUserId: operatorUser.id }, secrets);
    await this.operatorUsers.recordLogin(operatorUser.id, now);
    return { token, csrfToken, expiresAt, actor: this.actorOf({ ...session, kind: 'operator', operatorUser }) };
  }

  /** The signed-in person for a cookie token, or null when the session is unknown, ended, idle or expired. */
  async authenticate(token: string): Promise<{ actor: SessionActor; csrfToken: string } | null> {
    if (!SESSION_TOKEN.test(token)) return null;
    const session = await this.sessions.findByTokenHash(sha256Hex(token));
    const now = Date.now();
    if (
      !session ||
      session.endedAt ||
      session.expiresAt.getTime() <= now ||
      session.lastSeenAt.getTime() + this.config.consoleIdleTimeoutMs <= now ||
      (session.kind === 'user' ? session.user.revokedAt || session.tenantStatus !== 'active' : session.operatorUser.revokedAt)
    ) {
      return null;
    }
    await this.sessions.touch(session.id, new Date(now), new Date(now - TOUCH_RESOLUTION_MS));
    return { actor: this.actorOf(session), csrfToken: session.csrfToken };
  }

  /** True when the header carries the session's CSRF token. */
  csrfMatches(expected: string, header: string | undefined): boolean {
    return typeof header === 'string' && safeEqual(header, expected);
  }

  async signOut(actor: SessionActor): Promise<void> {
    const holder = actor.type === 'user' ? { tenantId: actor.tenantId, userId: actor.id } : { operatorUserId: actor.id };
    await this.sessions.end(holder, actor.sessionId, new Date());
  }

  private actorOf(session: ConsoleSessionPrincipal): SessionActor {
    if (session.kind === 'operator') return { type: 'operator', id: session.operatorUser.id, sessionId: session.id };
    const { user } = session;
    return {
      type: 'user',
      id: user.id,
      tenantId: user.tenantId,
      role: user.role,
      phi: user.phiAccess,
      scopes: scopesOfRole(user.role, user.phiAccess),
      sessionId: session.id,
    };
  }
}
