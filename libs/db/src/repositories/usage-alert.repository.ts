import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { unwrapTx, type DbTransaction } from '../database';
import { PrismaService } from '../prisma.service';

/** What a usage alert rule measures over the current billing period. */
export type UsageAlertMetric = 'units' | 'amount' | 'includedPercent' | 'projectedSpend';

export interface NewUsageAlertRule {
  name: string;
  metric: UsageAlertMetric;
  /** A decimal string (units, money in the tenant's currency, or a percentage). */
  threshold: string;
  connectionId: string | null;
  class: string | null;
}

export interface UsageAlertRule extends NewUsageAlertRule {
  id: string;
  tenantId: string;
  createdAt: Date;
}

/** A rule with the billing period start of its latest firing (null: never fired). */
export interface UsageAlertRuleState extends UsageAlertRule {
  lastFiredPeriodStart: Date | null;
}

/** One `usage.threshold_crossed` of a rule: at most one per (rule, billing period). */
export interface UsageAlertFiring {
  ruleId: string;
  periodStart: Date;
  value: string;
  eventId: string;
  firedAt: Date;
}

const ruleColumns = Prisma.sql`r."id"::text AS "id", r."tenantId"::text AS "tenantId", r."name", r."metric", r."threshold", r."connectionId"::text AS "connectionId",
  r."class", r."createdAt"`;

/**
 * Usage alert rules (soft-deleted, never removed) and their firings. A firing row's key
 * (rule, period start) is what makes a crossing notify once: the insert that wins writes
 * the event in the same transaction, any other finds the row and writes nothing.
 */
@Injectable()
export class UsageAlertRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(tenantId: string, rule: NewUsageAlertRule): Promise<UsageAlertRule> {
    const rows = await this.prisma.$queryRaw<UsageAlertRule[]>`
      INSERT INTO "UsageAlertRule" AS r ("id", "tenantId", "name", "metric", "threshold", "connectionId", "class")
      VALUES (gen_random_uuid(), ${tenantId}::uuid, ${rule.name}, ${rule.metric}, ${rule.threshold}, ${rule.connectionId}::uuid, ${rule.class})
      RETURNING ${ruleColumns}`;
    const created = rows[0];
    if (!created) throw new Error('the alert rule was not inserted');
    return created;
  }

  /** The tenant's rules in force, oldest first, each with its latest firing. */
  async list(tenantId: string): Promise<(UsageAlertRule & { lastFiring: UsageAlertFiring | null })[]> {
    const rows = await this.prisma.$queryRaw<(UsageAlertRule & { firing: UsageAlertFiring | null })[]>`
      SELECT ${ruleColumns},
             (SELECT json_build_object('ruleId', f."ruleId", 'periodStart', f."periodStart", 'value', f."value", 'eventId', f."eventId", 'firedAt', f."firedAt")
              FROM "UsageAlertFiring" f WHERE f."ruleId" = r."id" ORDER BY f."periodStart" DESC LIMIT 1) AS "firing"
      FROM "UsageAlertRule" r
      WHERE r."tenantId" = ${tenantId}::uuid AND r."deletedAt" IS NULL
      ORDER BY r."createdAt", r."id"`;
    return rows.map(({ firing, ...rule }) => ({
      ...rule,
      lastFiring: firing ? { ...firing, periodStart: new Date(firing.periodStart), firedAt: new Date(firing.firedAt) } : null,
    }));
  }

  /** Soft-deletes the tenant's rule; false when it has no such rule in force. */
  async softDelete(tenantId: string, id: string): Promise<boolean> {
    const n = await this.prisma.$executeRaw`
      UPDATE "UsageAlertRule" SET "deletedAt" = now() WHERE "tenantId" = ${tenantId}::uuid AND "id" = ${id}::uuid AND "deletedAt" IS NULL`;
    return n === 1;
  }

  /**
   * Every rule in force (all tenants), with its latest firing's period: the evaluator's work list.
   * Rules have no foreign keys; a rule whose tenant or connection no longer exists is left out
   * (its event could not be stored, and it has nothing left to measure).
   */
  async activeRules(): Promise<UsageAlertRuleState[]> {
    return this.prisma.$queryRaw<UsageAlertRuleState[]>`
      SELECT ${ruleColumns}, (SELECT max(f."periodStart") FROM "UsageAlertFiring" f WHERE f."ruleId" = r."id") AS "lastFiredPeriodStart"
      FROM "UsageAlertRule" r
      WHERE r."deletedAt" IS NULL
        AND EXISTS (SELECT 1 FROM "Tenant" t WHERE t."id" = r."tenantId")
        AND (r."connectionId" IS NULL OR EXISTS (SELECT 1 FROM "Connection" c WHERE c."id" = r."connectionId" AND c."tenantId" = r."tenantId"))
      ORDER BY r."tenantId", r."createdAt", r."id"`;
  }

  /**
   * Billable units of the tenant's period starting at `periodStart` (from the period totals), plus
   * the deltas of the adjustments of that period; narrowed to one connection and/or class.
   */
  async billableUnits(tenantId: string, periodStart: Date, filter: { connectionId: string | null; class: string | null }): Promise<number> {
    const narrow = [
      ...(filter.connectionId ? [Prisma.sql`"connectionId" = ${filter.connectionId}::uuid`] : []),
      ...(filter.class ? [Prisma.sql`"class" = ${filter.class}`] : []),
    ];
    const and = narrow.length > 0 ? Prisma.sql` AND ${Prisma.join(narrow, ' AND ')}` : Prisma.empty;
    const rows = await this.prisma.$queryRaw<{ units: bigint | null }[]>`
      SELECT (COALESCE((SELECT sum("units") FROM "UsagePeriodTotal" WHERE "tenantId" = ${tenantId}::uuid AND "periodStart" = ${periodStart} AND "billable"${and}), 0)
            + COALESCE((SELECT sum("unitsDelta") FROM "UsageAdjustment" WHERE "tenantId" = ${tenantId}::uuid AND "periodStart" = ${periodStart}${and}), 0))::bigint AS "units"`;
    return Number(rows[0]?.units ?? 0);
  }

  /**
   * Claims the (rule, period) firing: true when this call inserted it, false when it already
   * existed (another evaluator, or an earlier run, fired it). A concurrent insert of the same key
   * waits for the first transaction and then finds the row.
   */
  async claimFiring(tx: DbTransaction, firing: { ruleId: string; tenantId: string; periodStart: Date; value: string }): Promise<boolean> {
    const n = await unwrapTx(tx).$executeRaw`
      INSERT INTO "UsageAlertFiring" ("ruleId", "periodStart", "tenantId", "value", "eventId")
      VALUES (${firing.ruleId}::uuid, ${firing.periodStart}, ${firing.tenantId}::uuid, ${firing.value}, gen_random_uuid())
      ON CONFLICT ("ruleId", "periodStart") DO NOTHING`;
    return n === 1;
  }

  /** Links a claimed firing to the event it appended (same transaction). */
  async setFiringEvent(tx: DbTransaction, ruleId: string, periodStart: Date, eventId: string): Promise<void> {
    await unwrapTx(tx).$executeRaw`
      UPDATE "UsageAlertFiring" SET "eventId" = ${eventId}::uuid WHERE "ruleId" = ${ruleId}::uuid AND "periodStart" = ${periodStart}`;
  }

  /** The firings of one of the tenant's rules, oldest period first. */
  async firings(tenantId: string, ruleId: string): Promise<UsageAlertFiring[]> {
    return this.prisma.$queryRaw<UsageAlertFiring[]>`
      SELECT "ruleId"::text AS "ruleId", "periodStart", "value", "eventId"::text AS "eventId", "firedAt"
      FROM "UsageAlertFiring" WHERE "tenantId" = ${tenantId}::uuid AND "ruleId" = ${ruleId}::uuid
      ORDER BY "periodStart"`;
  }
}
