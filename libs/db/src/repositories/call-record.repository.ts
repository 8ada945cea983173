import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { AuditEntryInput, UsageEventInput } from '../models';
import { PrismaService } from '../prisma.service';

/**
 * Writes a call's usage event and its (unchained) audit records in one SQL
 * statement: one round trip instead of a transaction of several, which matters on
 * the hot path every hospital call takes. One audit record per patient whose data
 * the call touched (a search can return several), or one without a patient. A
 * repeated transaction id records no second usage event.
 */
@Injectable()
export class CallRecordRepository {
  constructor(private readonly prisma: PrismaService) {}

  async record(usage: UsageEventInput, audit: Omit<AuditEntryInput, 'patientRef'>, patientRefs: readonly string[], tx?: DbTransaction): Promise<void> {
    const refs: (string | null)[] = patientRefs.length > 0 ? [...new Set(patientRefs)] : [null];
    const db = tx ? unwrapTx(tx) : this.prisma;
    await db.$executeRaw`
      WITH usage AS (
        INSERT INTO "UsageEvent" ("id", "tenantId", "connectionId", "transactionId", "vendor", "operation", "resourceType", "outcome", "durationMs", "occurredAt")
        VALUES (gen_random_uuid(), ${usage.tenantId}::uuid, ${usage.connectionId}::uuid, ${usage.transactionId}::uuid, ${usage.vendor}::"ConnectionVendor",
                ${usage.operation}, ${usage.resourceType}, ${usage.outcome}::"TransactionOutcome", ${usage.durationMs}, ${usage.occurredAt})
        ON CONFLICT ("transactionId") DO NOTHING
      )
      INSERT INTO "AuditRecord" ("id", "tenantId", "transactionId", "connectionId", "actorType", "actorId", "operation", "resourceType", "patientRef", "purpose", "outcome", "occurredAt")
      SELECT gen_random_uuid(), ${audit.tenantId}::uuid, ${audit.transactionId}::uuid, ${audit.connectionId}::uuid, ${audit.actorType}, ${audit.actorId},
             ${audit.operation}, ${audit.resourceType}, patient.ref, ${audit.purpose}, ${audit.outcome}::"TransactionOutcome", ${audit.occurredAt}
      FROM unnest(${refs}::text[]) WITH ORDINALITY AS patient(ref, n)
      ORDER BY patient.n`;
  }
}
