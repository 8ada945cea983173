import { Injectable } from '@nestjs/common';
import type { WallClockHours } from '@sb/core';
import { Prisma } from '../generated/prisma/client';
import { unwrapTx, type DbTransaction } from '../database';
import { PrismaService } from '../prisma.service';
import type { HealthStatus } from './connection-health.repository';

export interface HealthAlertRuleInput {
  name: string;
  /** Empty: every connection of the tenant. */
  connectionIds: string[];
  /** The statuses whose arrival alerts. */
  to: HealthStatus[];
  quietHours: WallClockHours | null;
}

export interface HealthAlertRule extends HealthAlertRuleInput {
  id: string;
  tenantId: string;
  createdAt: Date;
  updatedAt: Date;
}

/** One rule matched by one health change; `suppressed` (quiet hours) has no event. */
export interface HealthAlertFiring {
  ruleId: string;
  changeId: string;
  connectionId: string;
  status: HealthStatus;
  suppressed: boolean;
  eventId: string | null;
  at: Date;
}

interface RuleRow {
  id: string;
  tenantId: string;
  name: string;
  connectionIds: string[];
  to: HealthStatus[];
  quietFrom: string | null;
  quietTo: string | null;
  quietTimezone: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const ruleColumns = Prisma.sql`r."id"::text AS "id", r."tenantId"::text AS "tenantId", r."name", r."connectionIds"::text[] AS "connectionIds",
  r."to"::text[] AS "to", r."quietFrom", r."quietTo", r."quietTimezone", r."createdAt", r."updatedAt"`;

const firingColumns = Prisma.sql`f."ruleId"::text AS "ruleId", f."changeId"::text AS "changeId", f."connectionId"::text AS "connectionId",
  f."status"::text AS "status", f."suppressed", f."eventId"::text AS "eventId", f."at"`;

const toRule = ({ quietFrom, quietTo, quietTimezone, ...row }: RuleRow): HealthAlertRule => ({
  ...row,
  quietHours: quietFrom !== null && quietTo !== null && quietTimezone !== null ? { from: quietFrom, to: quietTo, timezone: quietTimezone } : null,
});

/**
 * Connection health alert rules (soft-deleted, never removed) and their firings. A firing's
 * key (rule, health change) is what makes an alert once-only: the insert that wins writes the
 * event in the same transaction; any other finds the row and writes nothing.
 */
@Injectable()
export class HealthAlertRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(tenantId: string, rule: HealthAlertRuleInput): Promise<HealthAlertRule> {
    const q = rule.quietHours;
    const [row] = await this.prisma.$queryRaw<RuleRow[]>`
      INSERT INTO "HealthAlertRule" AS r ("id", "tenantId", "name", "connectionIds", "to", "quietFrom", "quietTo", "quietTimezone")
      VALUES (gen_random_uuid(), ${tenantId}::uuid, ${rule.name}, ${rule.connectionIds}::uuid[], ${rule.to}::text[]::"ConnectionHealthStatus"[],
        ${q?.from ?? null}, ${q?.to ?? null}, ${q?.timezone ?? null})
      RETURNING ${ruleColumns}`;
    if (!row) throw new Error('the health alert rule was not inserted');
    return toRule(row);
  }

  /** The tenant's rules in force, oldest first. */
  async list(tenantId: string): Promise<HealthAlertRule[]> {
    const rows = await this.prisma.$queryRaw<RuleRow[]>`
      SELECT ${ruleColumns} FROM "HealthAlertRule" r
      WHERE r."tenantId" = ${tenantId}::uuid AND r."deletedAt" IS NULL ORDER BY r."createdAt", r."id"`;
    return rows.map(toRule);
  }

  async count(tenantId: string): Promise<number> {
    const [row] = await this.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM "HealthAlertRule" WHERE "tenantId" = ${tenantId}::uuid AND "deletedAt" IS NULL`;
    return row?.n ?? 0;
  }

  async findById(tenantId: string, id: string): Promise<HealthAlertRule | null> {
    const [row] = await this.prisma.$queryRaw<RuleRow[]>`
      SELECT ${ruleColumns} FROM "HealthAlertRule" r WHERE r."tenantId" = ${tenantId}::uuid AND r."id" = ${id}::uuid AND r."deletedAt" IS NULL`;
    return row ? toRule(row) : null;
  }

  /** Replaces the tenant's rule (the caller merged the patch); null when it has no such rule in force. */
  async update(tenantId: string, id: string, rule: HealthAlertRuleInput): Promise<HealthAlertRule | null> {
    const q = rule.quietHours;
    const [row] = await this.prisma.$queryRaw<RuleRow[]>`
      UPDATE "HealthAlertRule" r SET "name" = ${rule.name}, "connectionIds" = ${rule.connectionIds}::uuid[],
        "to" = ${rule.to}::text[]::"ConnectionHealthStatus"[], "quietFrom" = ${q?.from ?? null}, "quietTo" = ${q?.to ?? null},
        "quietTimezone" = ${q?.timezone ?? null}, "updatedAt" = now()
      WHERE r."tenantId" = ${tenantId}::uuid AND r."id" = ${id}::uuid AND r."deletedAt" IS NULL
      RETURNING ${ruleColumns}`;
    return row ? toRule(row) : null;
  }

  /** Soft-deletes the tenant's rule; false when it has no such rule in force. */
  async softDelete(tenantId: string, id: string): Promise<boolean> {
    const n = await this.prisma.$executeRaw`
      UPDATE "HealthAlertRule" SET "deletedAt" = now() WHERE "tenantId" = ${tenantId}::uuid AND "id" = ${id}::uuid AND "deletedAt" IS NULL`;
    return n === 1;
  }

  /** Those of `connectionIds` that are not connections of the tenant. */
  async foreignConnections(tenantId: string, connectionIds: readonly string[]): Promise<string[]> {
    if (connectionIds.length === 0) return [];
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT x.id FROM unnest(${connectionIds as string[]}::text[]) AS x(id)
      WHERE NOT EXISTS (SELECT 1 FROM "Connection" c WHERE c."tenantId" = ${tenantId}::uuid AND c."id"::text = lower(x.id))`;
    return rows.map((r) => r.id);
  }

  /** The tenant's rules in force that the arrival of `status` on the connection matches (read in the transition's transaction). */
  async matching(tx: DbTransaction, tenantId: string, connectionId: string, status: HealthStatus): Promise<HealthAlertRule[]> {
    const rows = await unwrapTx(tx).$queryRaw<RuleRow[]>`
      SELECT ${ruleColumns} FROM "HealthAlertRule" r
      WHERE r."tenantId" = ${tenantId}::uuid AND r."deletedAt" IS NULL
        AND ${status}::"ConnectionHealthStatus" = ANY(r."to")
        AND (cardinality(r."connectionIds") = 0 OR ${connectionId}::uuid = ANY(r."connectionIds"))
      ORDER BY r."createdAt", r."id"`;
    return rows.map(toRule);
  }

  /**
   * Claims the (rule, change) firing: true when this call inserted it, false when it existed
   * already. A concurrent insert of the same key waits for the first transaction, then finds it.
   */
  async claimFiring(tx: DbTransaction, tenantId: string, firing: Omit<HealthAlertFiring, 'eventId'>): Promise<boolean> {
    const n = await unwrapTx(tx).$executeRaw`
      INSERT INTO "HealthAlertFiring" ("ruleId", "changeId", "tenantId", "connectionId", "status", "suppressed", "at")
      VALUES (${firing.ruleId}::uuid, ${firing.changeId}::uuid, ${tenantId}::uuid, ${firing.connectionId}::uuid, ${firing.status}::"ConnectionHealthStatus",
        ${firing.suppressed}, ${firing.at})
      ON CONFLICT ("ruleId", "changeId") DO NOTHING`;
    return n === 1;
  }

  async setFiringEvent(tx: DbTransaction, ruleId: string, changeId: string, eventId: string): Promise<void> {
    await unwrapTx(tx).$executeRaw`
      UPDATE "HealthAlertFiring" SET "eventId" = ${eventId}::uuid WHERE "ruleId" = ${ruleId}::uuid AND "changeId" = ${changeId}::uuid`;
  }

  /** A rule's firings, newest first (also those of a deleted rule: the caller checks the rule). */
  async firings(tenantId: string, ruleId: string, limit: number): Promise<HealthAlertFiring[]> {
    return this.prisma.$queryRaw<HealthAlertFiring[]>`
      SELECT ${firingColumns} FROM "HealthAlertFiring" f
      WHERE f."tenantId" = ${tenantId}::uuid AND f."ruleId" = ${ruleId}::uuid
      ORDER BY f."at" DESC, f."changeId" DESC LIMIT ${limit}`;
  }
}
