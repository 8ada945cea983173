import { Injectable } from '@nestjs/common';
import { hashPassword, passwordProblem, verifyPassword } from '@sb/auth';
import { ErrorCode, foundOrFail, SbError } from '@sb/core';
import { ConsoleSessionRepository, Database, OperatorUserRepository, type OperatorUser } from '@sb/db';
import { randomBytes } from 'node:crypto';
import { newOperatorUserSchema } from './tenancy.schemas';

/** 144 random bits, base64url: what `npm run operator:add` and the seed hand out. */
export const generateOperatorPassword = (): string => randomBytes(18).toString('base64url');

/**
 * The installation's operator users, made from the command line (`npm run operator:add`,
 * the seed's `operator@switchboard.local`), never over HTTP: the first one has nobody to
 * invite them, and an operator user can create any tenant.
 */
@Injectable()
export class OperatorUsersService {
  constructor(
    private readonly db: Database,
    private readonly operatorUsers: OperatorUserRepository,
    private readonly sessions: ConsoleSessionRepository,
  ) {}

  /** Conflict when the email belongs to anyone already (a tenant's user or an operator user). */
  async create(input: { email: string; name: string; password: string }): Promise<OperatorUser> {
    const parsed = newOperatorUserSchema.safeParse({ email: input.email, name: input.name });
    if (!parsed.success) {
      throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const problem = passwordProblem(input.password, input.email);
    if (problem) throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'password', message: problem }] });
    const passwordHash = await hashPassword(input.password);
    return this.db.transaction((tx) => this.operatorUsers.create(tx, { email: parsed.data.email, name: parsed.data.name, passwordHash }));
  }

  /** The seed's operator user: created when missing, its password reset to `password` when it differs. */
  async ensure(input: { email: string; name: string; password: string }): Promise<OperatorUser> {
    const existing = await this.operatorUsers.findCredentialByEmail(input.email);
    if (!existing) return this.create(input);
    if (!(await verifyPassword(existing.passwordHash, input.password))) {
      const passwordHash = await hashPassword(input.password);
      await this.db.transaction((tx) => this.operatorUsers.setPassword(tx, existing.id, passwordHash));
    }
    const { passwordHash: _omitted, ...user } = existing;
    return user;
  }

  /** Sign-in refused from now on, and every session of theirs ends at once. */
  revoke(id: string): Promise<OperatorUser> {
    return this.db.transaction(async (tx) => {
      const now = new Date();
      const revoked = foundOrFail(await this.operatorUsers.revoke(tx, id, now), 'Operator user');
      await this.sessions.endAllOfOperatorUser(tx, id, now);
      return revoked;
    });
  }
}
