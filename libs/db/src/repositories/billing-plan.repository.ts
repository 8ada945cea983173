import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { unwrapTx, type DbTransaction } from '../database';
import { PrismaService } from '../prisma.service';

/** A priced plan (its terms live in immutable versions). */
export interface BillingPlan {
  id: string;
  name: string;
  currency: string;
  createdAt: Date;
}

/** One immutable version of a plan's terms; `definition` is the validated plan definition. */
export interface BillingPlanVersion {
  planId: string;
  version: number;
  definition: unknown;
  definitionHash: string;
  createdBy: string;
  createdAt: Date;
}

/** One row of a tenant's append-only history of billing terms. */
export interface TenantBillingTerms {
  id: string;
  tenantId: string;
  planId: string;
  planVersion: number;
  timezone: string;
  anchorDay: number;
  currency: string;
  graceMinutes: number;
  effectiveFrom: Date;
  createdBy: string;
  createdAt: Date;
}

export type NewTenantBillingTerms = Omit<TenantBillingTerms, 'id' | 'createdAt'>;

/**
 * The advisory lock class of a tenant's billing terms: assignments and closes take it
 * exclusively, the usage rollup shared (see the metering plan), so a period key is never
 * computed from a history that is being changed.
 */
export const BILLING_LOCK_CLASS = 727001;

const versionSelect = { planId: true, version: true, definition: true, definitionHash: true, createdBy: true, createdAt: true } as const;

/** Plans, their immutable versions and tenants' billing terms. */
@Injectable()
export class BillingPlanRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** A plan and its version 1, in the caller's transaction. */
  async createPlan(tx: DbTransaction, input: { name: string; currency: string; definition: unknown; definitionHash: string; createdBy: string }): Promise<{ plan: BillingPlan; version: BillingPlanVersion }> {
    const db = unwrapTx(tx);
    const plan = await db.billingPlan.create({ data: { name: input.name, currency: input.currency } });
    const version = await db.billingPlanVersion.create({
      data: { planId: plan.id, version: 1, definition: input.definition as Prisma.InputJsonValue, definitionHash: input.definitionHash, createdBy: input.createdBy },
      select: versionSelect,
    });
    return { plan, version };
  }

  /** The plan's next version (locks the plan row so two new versions get distinct numbers); null when the plan does not exist. */
  async addVersion(tx: DbTransaction, planId: string, input: { definition: unknown; definitionHash: string; createdBy: string }): Promise<BillingPlanVersion | null> {
    const db = unwrapTx(tx);
    const locked = await db.$queryRaw<{ id: string }[]>`SELECT "id"::text FROM "BillingPlan" WHERE "id" = ${planId}::uuid FOR UPDATE`;
    if (locked.length === 0) return null;
    const last = await db.billingPlanVersion.findFirst({ where: { planId }, orderBy: { version: 'desc' }, select: { version: true } });
    return db.billingPlanVersion.create({
      data: { planId, version: (last?.version ?? 0) + 1, definition: input.definition as Prisma.InputJsonValue, definitionHash: input.definitionHash, createdBy: input.createdBy },
      select: versionSelect,
    });
  }

  findPlan(id: string, tx?: DbTransaction): Promise<BillingPlan | null> {
    return (tx ? unwrapTx(tx) : this.prisma).billingPlan.findUnique({ where: { id } });
  }

  /** Every plan, newest first, with its latest version number. */
  async listPlans(): Promise<(BillingPlan & { latestVersion: number })[]> {
    const rows = await this.prisma.billingPlan.findMany({
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      include: { versions: { orderBy: { version: 'desc' }, take: 1, select: { version: true } } },
    });
    return rows.map(({ versions, ...plan }) => ({ ...plan, latestVersion: versions[0]?.version ?? 0 }));
  }

  /** A plan's versions, oldest first. */
  versions(planId: string): Promise<BillingPlanVersion[]> {
    return this.prisma.billingPlanVersion.findMany({ where: { planId }, orderBy: { version: 'asc' }, select: versionSelect });
  }

  /** One version, or the latest when `version` is undefined. */
  findVersion(planId: string, version?: number, tx?: DbTransaction): Promise<BillingPlanVersion | null> {
    return (tx ? unwrapTx(tx) : this.prisma).billingPlanVersion.findFirst({
      where: { planId, ...(version === undefined ? {} : { version }) },
      orderBy: { version: 'desc' },
      select: versionSelect,
    });
  }

  /**
   * Holds the plan row (shared) until the end of the transaction: an assignment reading the
   * latest version and a new version re-pinning the plan's tenants never interleave. Take it
   * before any tenant lock (a new version holds the plan, then tenants).
   */
  async sharePlan(tx: DbTransaction, planId: string): Promise<boolean> {
    const rows = await unwrapTx(tx).$queryRaw<{ id: string }[]>`SELECT "id"::text FROM "BillingPlan" WHERE "id" = ${planId}::uuid FOR SHARE`;
    return rows.length === 1;
  }

  /** Takes the tenant's billing lock until the end of the caller's transaction. */
  async lockTenant(tx: DbTransaction, tenantId: string): Promise<void> {
    await unwrapTx(tx).$executeRaw`SELECT pg_advisory_xact_lock(${BILLING_LOCK_CLASS}::int, hashtext(${tenantId}))`;
  }

  /** A tenant's terms as written, oldest effective first (ties: oldest written first). */
  terms(tenantId: string, tx?: DbTransaction): Promise<TenantBillingTerms[]> {
    return (tx ? unwrapTx(tx) : this.prisma).tenantBilling.findMany({ where: { tenantId }, orderBy: [{ effectiveFrom: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }] });
  }

  insertTerms(tx: DbTransaction, terms: NewTenantBillingTerms): Promise<TenantBillingTerms> {
    return unwrapTx(tx).tenantBilling.create({ data: terms });
  }

  /** Tenants that have any terms naming the plan (candidates for a new version's re-pinning). */
  async tenantsWithPlan(planId: string, tx?: DbTransaction): Promise<string[]> {
    const rows = await (tx ? unwrapTx(tx) : this.prisma).tenantBilling.findMany({ where: { planId }, distinct: ['tenantId'], select: { tenantId: true }, orderBy: { tenantId: 'asc' } });
    return rows.map((r) => r.tenantId);
  }

  /** Every tenant that has billing terms (the closer's work list). */
  async tenantsWithTerms(): Promise<string[]> {
    const rows = await this.prisma.tenantBilling.findMany({ distinct: ['tenantId'], select: { tenantId: true }, orderBy: { tenantId: 'asc' } });
    return rows.map((r) => r.tenantId);
  }
}
