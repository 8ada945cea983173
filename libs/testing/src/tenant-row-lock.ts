import type { PrismaService } from '@sb/db';

/** A tenant's row held `FOR UPDATE` by another transaction until released. */
export interface TenantRowLock {
  /** Ends the holding transaction; resolves once it has. */
  release: () => Promise<void>;
}

/**
 * Locks a tenant's row for update in a transaction of its own, so every write with a foreign key to that tenant
 * waits on it (and only that tenant's writes do): what a test needs to make a statement wait on a lock.
 * Resolves once the lock is held.
 */
export async function lockTenantRow(prisma: PrismaService, tenantId: string): Promise<TenantRowLock> {
  let release: () => void = () => undefined;
  let locked: () => void = () => undefined;
  const isLocked = new Promise<void>((r) => (locked = r));
  const holder = prisma.$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM "Tenant" WHERE "id" = ${tenantId}::uuid FOR UPDATE`;
      locked();
      await new Promise<void>((r) => (release = r));
    },
    { timeout: 60_000 },
  );
  await Promise.race([isLocked, holder]);
  return {
    release: async () => {
      release();
      await holder;
    },
  };
}
