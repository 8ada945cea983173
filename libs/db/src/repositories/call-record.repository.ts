import { Injectable } from '@nestjs/common';
import { classifyUsage } from '@sb/core';
import { unwrapTx, type DbTransaction } from '../database';
import type { UsageEventInput } from '../models';
import { PrismaService } from '../prisma.service';

/** One call as metered and audited: its usage event's fields and who made it, for what purpose. */
export interface CallRecordInput extends UsageEventInput {
  actorType: string;
  actorId: string;
  purpose: string | null;
}

/**
 * Writes a call's usage event and its (unchained) audit records in one SQL
 * statement: one round trip instead of a transaction of several, which matters on
 * the hot path every hospital call takes. One audit record per patient whose data
 * the call touched (a search can return several), or one without a patient. The usage
 * event carries its billable class and whether it bills (see `classifyUsage`), and is
 * queued for the rollup in the same statement. A repeated transaction id records no
 * second usage event and queues nothing. The fields both rows share go in once.
 */
@Injectable()
export class CallRecordRepository {
  constructor(private readonly prisma: PrismaService) {}

  async record(call: CallRecordInput, patientRefs: readonly string[], tx?: DbTransaction): Promise<void> {
    const refs: (string | null)[] = patientRefs.length > 0 ? [...new Set(patientRefs)] : [null];
    const db = tx ? unwrapTx(tx) : this.prisma;
    const billing = classifyUsage(call);
    await db.$executeRaw`
      WITH c AS (
        SELECT ${call.tenantId}::uuid AS "tenantId", ${call.connectionId}::uuid AS "connectionId", ${call.transactionId}::uuid AS "transactionId",
               ${call.operation}::text AS "operation", ${call.resourceType}::text AS "resourceType", ${call.outcome}::"TransactionOutcome" AS "outcome",
               ${call.occurredAt}::timestamptz AS "occurredAt"
      ), usage AS (
        INSERT INTO "UsageEvent" ("id", "tenantId", "connectionId", "transactionId", "vendor", "operation", "resourceType", "outcome", "durationMs", "occurredAt",
                                  "environment", "class", "units", "billable", "nonBillableReason")
        SELECT gen_random_uuid(), c."tenantId", c."connectionId", c."transactionId", ${call.vendor}::"ConnectionVendor", c."operation", c."resourceType", c."outcome",
               ${call.durationMs}, c."occurredAt", ${call.environment}::"ConnectionEnvironment", ${billing.class}, ${call.units ?? 1}, ${billing.billable}, ${billing.nonBillableReason}
        FROM c
        ON CONFLICT ("transactionId") DO NOTHING
        RETURNING "id"
      ), queued AS (
        INSERT INTO "UsageRollupQueue" ("usageId") SELECT "id" FROM usage
      )
      INSERT INTO "AuditRecord" ("id", "tenantId", "transactionId", "connectionId", "actorType", "actorId", "operation", "resourceType", "patientRef", "purpose", "outcome", "occurredAt")
      SELECT gen_random_uuid(), c."tenantId", c."transactionId", c."connectionId", ${call.actorType}, ${call.actorId}, c."operation", c."resourceType", patient.ref, ${call.purpose}, c."outcome", c."occurredAt"
      FROM c, unnest(${refs}::text[]) WITH ORDINALITY AS patient(ref, n)
      ORDER BY patient.n`;
  }
}
