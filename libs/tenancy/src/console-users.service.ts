import { Inject, Injectable } from '@nestjs/common';
import { hashPassword, passwordProblem } from '@sb/auth';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ErrorCode, foundOrFail, notFound, SbError, type Actor } from '@sb/core';
import { ConsoleInviteRepository, ConsoleSessionRepository, ConsoleUserRepository, Database, type ConsoleInvite, type ConsoleUser, type DbTransaction, type UserRole } from '@sb/db';
import { createHash, randomBytes } from 'node:crypto';
import type { AcceptInviteInput, CreateInviteInput, UpdateUserInput } from './tenancy.schemas';

/** Invites are single use and valid for 72 hours. */
export const INVITE_TTL_MS = 72 * 3_600_000;

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
const INVITE_TOKEN = /^sbinv_[A-Za-z0-9_-]{43}$/;

export interface IssuedInvite {
  invite: ConsoleInvite;
  /** `<public url>/console/invite#<token>`: the token rides in the fragment, which browsers never send to a server. */
  inviteUrl: string;
}

const forbidden = (message: string): SbError => new SbError(ErrorCode.Forbidden, message);

/**
 * Console users of a tenant: invitations, acceptance, roles, the PHI grant,
 * revocation and reinstatement. Owners manage everyone; admins manage everyone but owners; a
 * tenant always keeps one active owner.
 */
@Injectable()
export class ConsoleUsersService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly users: ConsoleUserRepository,
    private readonly invites: ConsoleInviteRepository,
    private readonly sessions: ConsoleSessionRepository,
  ) {}

  async invite(actor: Actor, tenantId: string, input: CreateInviteInput): Promise<IssuedInvite> {
    this.assertMayManage(actor, input.role);
    if (await this.users.emailTaken(input.email)) throw new SbError(ErrorCode.Conflict, 'A user with this email already exists', { details: { field: 'email' } });
    await this.invites.revoke(tenantId, { email: input.email }, new Date());
    return this.issue(tenantId, { email: input.email, role: input.role, phiAccess: input.phi }, actor);
  }

  /** A fresh link for an open invite; the old link stops working. */
  async resend(actor: Actor, tenantId: string, inviteId: string): Promise<IssuedInvite> {
    const old = foundOrFail(await this.invites.findById(tenantId, inviteId), 'Invite');
    this.assertMayManage(actor, old.role);
    if (old.acceptedAt) throw new SbError(ErrorCode.Conflict, 'This invite was already accepted');
    await this.invites.revoke(tenantId, { id: old.id }, new Date());
    return this.issue(tenantId, { email: old.email, role: old.role, phiAccess: old.phiAccess }, actor);
  }

  async revokeInvite(actor: Actor, tenantId: string, inviteId: string): Promise<ConsoleInvite> {
    const invite = foundOrFail(await this.invites.findById(tenantId, inviteId), 'Invite');
    this.assertMayManage(actor, invite.role);
    await this.invites.revoke(tenantId, { id: invite.id }, new Date());
    return foundOrFail(await this.invites.findById(tenantId, inviteId), 'Invite');
  }

  listInvites(tenantId: string): Promise<ConsoleInvite[]> {
    return this.invites.list(tenantId);
  }

  /** What the accept page shows; unknown, used or revoked tokens are 404, expired ones 410. */
  async describeInvite(token: string): Promise<ConsoleInvite & { tenantName: string }> {
    const invite = INVITE_TOKEN.test(token) ? await this.invites.findByTokenHash(hashToken(token)) : null;
    if (!invite || invite.acceptedAt || invite.revokedAt) throw notFound('Invite');
    if (invite.expiresAt.getTime() <= Date.now()) throw new SbError(ErrorCode.InviteExpired, 'This invite has expired; ask for a new one');
    return invite;
  }

  /** Creates the user with their password and uses up the invite, atomically. */
  async accept(token: string, input: AcceptInviteInput): Promise<ConsoleUser> {
    const invite = await this.describeInvite(token);
    const problem = passwordProblem(input.password, invite.email);
    if (problem) throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'password', message: problem }] });
    const passwordHash = await hashPassword(input.password);
    return this.db.transaction(async (tx) => {
      if (!(await this.invites.consume(tx, invite.id, new Date()))) throw notFound('Invite');
      return this.users.create(tx, invite.tenantId, { email: invite.email, name: input.name, role: invite.role, phiAccess: invite.phiAccess, passwordHash });
    });
  }

  list(tenantId: string): Promise<ConsoleUser[]> {
    return this.users.list(tenantId);
  }

  async get(tenantId: string, id: string): Promise<ConsoleUser> {
    return foundOrFail(await this.users.findById(tenantId, id), 'User');
  }

  /** Role and PHI changes apply to the user's next request (scopes are read per request). */
  async update(actor: Actor, tenantId: string, id: string, patch: UpdateUserInput): Promise<ConsoleUser> {
    return this.db.transaction(async (tx) => {
      const user = await this.get(tenantId, id);
      this.assertMayManage(actor, user.role);
      if (patch.role) this.assertMayManage(actor, patch.role);
      if (user.role === 'owner' && patch.role && patch.role !== 'owner') await this.assertAnotherOwner(tx, tenantId);
      return foundOrFail(await this.users.update(tx, tenantId, id, { role: patch.role, phiAccess: patch.phi }), 'User');
    });
  }

  /** Revokes a user: they cannot sign in again, and every session of theirs ends now. */
  async revoke(actor: Actor, tenantId: string, id: string): Promise<ConsoleUser> {
    return this.db.transaction(async (tx) => {
      const user = await this.get(tenantId, id);
      this.assertMayManage(actor, user.role);
      if (actor.type === 'user' && actor.id === id) throw forbidden('You cannot revoke yourself');
      if (user.role === 'owner' && !user.revokedAt) await this.assertAnotherOwner(tx, tenantId);
      const now = new Date();
      const revoked = foundOrFail(await this.users.revoke(tx, tenantId, id, now), 'User');
      await this.sessions.endAllOfUser(tx, tenantId, id, now);
      return revoked;
    });
  }

  /**
   * Reinstates a revoked user: they may sign in again with their password, in the role and
   * PHI grant they had. The sessions revocation ended stay ended. Same rules as revoking.
   */
  async reinstate(actor: Actor, tenantId: string, id: string): Promise<ConsoleUser> {
    return this.db.transaction(async (tx) => {
      const user = await this.get(tenantId, id);
      this.assertMayManage(actor, user.role);
      if (!user.revokedAt) throw new SbError(ErrorCode.Conflict, 'This user is not revoked');
      return foundOrFail(await this.users.reinstate(tx, tenantId, id), 'User');
    });
  }

  /** The operator and owners manage every role; admins every role but owner; nobody else any. */
  private assertMayManage(actor: Actor, role: UserRole): void {
    if (actor.type === 'operator') return;
    if (actor.type === 'user' && actor.role === 'admin' && role === 'owner') throw forbidden('Only an owner can manage owners');
    if (actor.type === 'user' && actor.role !== 'owner' && actor.role !== 'admin') throw forbidden('Only owners and admins manage users');
  }

  private async assertAnotherOwner(tx: DbTransaction, tenantId: string): Promise<void> {
    if ((await this.users.countOwners(tx, tenantId)) <= 1) throw new SbError(ErrorCode.Conflict, 'A tenant must keep at least one owner');
  }

  private async issue(tenantId: string, input: { email: string; role: UserRole; phiAccess: boolean }, actor: Actor): Promise<IssuedInvite> {
    const token = `sbinv_${randomBytes(32).toString('base64url')}`;
    const invite = await this.invites.create(tenantId, {
      ...input,
      tokenHash: hashToken(token),
      // `operator` for the admin token; otherwise the inviting user's or operator user's id.
      invitedBy: actor.id,
      expiresAt: new Date(Date.now() + INVITE_TTL_MS),
    });
    return { invite, inviteUrl: `${this.config.publicUrl}/console/invite#${token}` };
  }
}
