import type { PrismaService } from '@sb/db';

/** A lock held by another transaction until released. */
export interface HeldLock {
  /** Ends the holding transaction; resolves once it has. */
  release: () => Promise<void>;
}

/**
 * Runs `statement` (one that takes a lock: `SELECT … FOR UPDATE`, `LOCK TABLE …`) in a transaction of its own and keeps
 * that transaction open until released, so the statements that need the lock wait on it: what a test needs to make a
 * statement wait. Resolves once the lock is held.
 */
export async function holdLock(prisma: PrismaService, statement: string, values: unknown[] = [], timeoutMs = 60_000): Promise<HeldLock> {
  let release: () => void = () => undefined;
  let locked: () => void = () => undefined;
  const isLocked = new Promise<void>((r) => (locked = r));
  const holder = prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(statement, ...values);
      locked();
      await new Promise<void>((r) => (release = r));
    },
    { timeout: timeoutMs },
  );
  await Promise.race([isLocked, holder]);
  return {
    release: async () => {
      release();
      await holder;
    },
  };
}

/** A tenant's row held `FOR UPDATE`: every write with a foreign key to that tenant waits on it (and only that tenant's writes do). */
export const lockTenantRow = (prisma: PrismaService, tenantId: string): Promise<HeldLock> =>
  holdLock(prisma, `SELECT 1 FROM "Tenant" WHERE "id" = $1::uuid FOR UPDATE`, [tenantId]);
