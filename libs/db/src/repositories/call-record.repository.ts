import { Injectable } from '@nestjs/common';
import { classifyUsage } from '@sb/core';
import { unwrapTx, type DbTransaction } from '../database';
import type { AuditEntryInput, UsageEventInput } from '../models';
import { PrismaService } from '../prisma.service';

/**
 * Writes a call's usage event and its (unchained) audit records in one SQL
 * statement: one round trip instead of a transaction of several, which matters on
 * the hot path every hospital call takes. One audit record per patient whose data
 * the call touched (a search can return several), or one without a patient. The usage
 * event carries its billable class and whether it bills (see `classifyUsage`), and is
 * queued for the rollup in the same statement. A repeated transaction id records no
 * second usage event and queues nothing.
 */
@Injectable()
export class CallRecordRepository {
  constructor(private readonly prisma: PrismaService) {}

  async record(usage: UsageEventInput, audit: Omit<AuditEntryInput, 'patientRef'>, patientRefs: readonly string[], tx?: DbTransaction): Promise<void> {
    const refs: (string | null)[] = patientRefs.length > 0 ? [...new Set(patientRefs)] : [null];
    const db = tx ? unwrapTx(tx) : this.prisma;
    const billing = classifyUsage(usage);
    await db.$executeRaw`
      WITH usage AS (
        INSERT INTO "UsageEvent" ("id", "tenantId", "connectionId", "transactionId", "vendor", "operation", "resourceType", "outcome", "durationMs", "occurredAt",
                                  "environment", "class", "units", "billable", "nonBillableReason")
        VALUES (gen_random_uuid(), ${usage.tenantId}::uuid, ${usage.connectionId}::uuid, ${usage.transactionId}::uuid, ${usage.vendor}::"ConnectionVendor",
                ${usage.operation}, ${usage.resourceType}, ${usage.outcome}::"TransactionOutcome", ${usage.durationMs}, ${usage.occurredAt},
                ${usage.environment}::"ConnectionEnvironment", ${billing.class}, ${usage.units ?? 1}, ${billing.billable}, ${billing.nonBillableReason})
        ON CONFLICT ("transactionId") DO NOTHING
        RETURNING "id"
      ), queued AS (
        INSERT INTO "UsageRollupQueue" ("usageId") SELECT "id" FROM usage
      )
      INSERT INTO "AuditRecord" ("id", "tenantId", "transactionId", "connectionId", "actorType", "actorId", "operation", "resourceType", "patientRef", "purpose", "outcome", "occurredAt")
      SELECT gen_random_uuid(), ${audit.tenantId}::uuid, ${audit.transactionId}::uuid, ${audit.connectionId}::uuid, ${audit.actorType}, ${audit.actorId},
             ${audit.operation}, ${audit.resourceType}, patient.ref, ${audit.purpose}, ${audit.outcome}::"TransactionOutcome", ${audit.occurredAt}
      FROM unnest(${refs}::text[]) WITH ORDINALITY AS patient(ref, n)
      ORDER BY patient.n`;
  }
}
