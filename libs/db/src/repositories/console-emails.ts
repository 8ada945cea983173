import { ErrorCode, SbError } from '@sb/core';
import type { PrismaTx } from '../database';

/**
 * Sign-in is by email alone, so an email belongs to one person: a tenant's user or an
 * operator user, never both. Each table has its own unique index; across the two, every
 * creation takes a transaction-scoped advisory lock on the email and then checks both
 * tables, so two concurrent creations of one email cannot both pass.
 */
export async function claimConsoleEmail(tx: PrismaTx, email: string): Promise<void> {
  const lower = email.toLowerCase();
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`console-email:${lower}`}, 0))`;
  if (await consoleEmailTaken(tx, lower)) throw emailConflict();
}

/** True when a tenant's user or an operator user has this email. */
export async function consoleEmailTaken(client: Pick<PrismaTx, 'consoleUser' | 'operatorUser'>, email: string): Promise<boolean> {
  const lower = email.toLowerCase();
  const [users, operators] = await Promise.all([client.consoleUser.count({ where: { email: lower } }), client.operatorUser.count({ where: { email: lower } })]);
  return users + operators > 0;
}

export const emailConflict = (): SbError => new SbError(ErrorCode.Conflict, 'A user with this email already exists', { details: { field: 'email' } });
