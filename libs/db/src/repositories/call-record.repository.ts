import { Injectable } from '@nestjs/common';
import { classifyUsage } from '@sb/core';
import type { DbTransaction } from '../database';
import { GroupCommit } from '../group-commit';
import { HotPathPool } from '../hot-path-pool';
import { executeIn, type AnyTransaction } from '../sql-transaction';
import type { UsageEventInput } from '../models';

/** One call as metered and audited: its usage event's fields and who made it, for what purpose. */
export interface CallRecordInput extends UsageEventInput {
  actorType: string;
  actorId: string;
  purpose: string | null;
}

/**
 * Writes calls' usage events and their (unchained) audit records in one SQL statement:
 * one round trip instead of a transaction of several, which matters on the hot path every
 * hospital call takes. One audit record per patient whose data the call touched (a search
 * can return several), or one without a patient. Each usage event carries its billable
 * class and whether it bills (see `classifyUsage`), and is queued for the rollup in the
 * same statement. A repeated transaction id records no second usage event and queues nothing.
 *
 * Outside a transaction, concurrent calls are group-committed: one statement for whatever
 * calls are waiting, through a prepared statement on the hot-path pool; each caller returns
 * once the statement holding its call has committed.
 */
const RECORD_CALLS_SQL = `
  WITH c AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::"TransactionOutcome"[], $7::timestamptz[],
                         $8::"ConnectionVendor"[], $9::int[], $10::"ConnectionEnvironment"[], $11::text[], $12::int[], $13::boolean[], $14::text[],
                         $15::text[], $16::text[], $17::text[])
      WITH ORDINALITY AS c("tenantId", "connectionId", "transactionId", "operation", "resourceType", "outcome", "occurredAt",
                           "vendor", "durationMs", "environment", "class", "units", "billable", "nonBillableReason",
                           "actorType", "actorId", "purpose", "i")
  ), usage AS (
    INSERT INTO "UsageEvent" ("id", "tenantId", "connectionId", "transactionId", "vendor", "operation", "resourceType", "outcome", "durationMs", "occurredAt",
                              "environment", "class", "units", "billable", "nonBillableReason")
    SELECT gen_random_uuid(), c."tenantId", c."connectionId", c."transactionId", c."vendor", c."operation", c."resourceType", c."outcome",
           c."durationMs", c."occurredAt", c."environment", c."class", c."units", c."billable", c."nonBillableReason"
    FROM c ORDER BY c.i
    ON CONFLICT ("transactionId") DO NOTHING
    RETURNING "id"
  ), queued AS (
    INSERT INTO "UsageRollupQueue" ("usageId") SELECT "id" FROM usage
  )
  INSERT INTO "AuditRecord" ("id", "tenantId", "transactionId", "connectionId", "actorType", "actorId", "operation", "resourceType", "patientRef", "purpose", "outcome", "occurredAt")
  SELECT gen_random_uuid(), c."tenantId", c."transactionId", c."connectionId", c."actorType", c."actorId", c."operation", c."resourceType", patient.ref, c."purpose", c."outcome", c."occurredAt"
  FROM unnest($18::int[], $19::text[]) WITH ORDINALITY AS patient(call, ref, n)
  JOIN c ON c.i = patient.call
  ORDER BY patient.n`;
const RECORD_CALLS_STATEMENT = 'sb_record_calls_v1';

export interface PendingCall {
  call: CallRecordInput;
  patientRefs: readonly string[];
}

/** The statement's parameters: one array per column of the calls, then the audit rows as (call's ordinal, patient ref). */
function parametersOf(calls: readonly PendingCall[]): unknown[] {
  const columns: unknown[][] = Array.from({ length: 17 }, () => []);
  const auditCall: number[] = [];
  const auditRef: (string | null)[] = [];
  calls.forEach(({ call, patientRefs }, index) => {
    const billing = classifyUsage(call);
    const row = [
      call.tenantId, call.connectionId, call.transactionId, call.operation, call.resourceType, call.outcome, call.occurredAt,
      call.vendor, call.durationMs, call.environment, billing.class, call.units ?? 1, billing.billable, billing.nonBillableReason,
      call.actorType, call.actorId, call.purpose,
    ];
    row.forEach((value, column) => (columns[column] ??= []).push(value));
    const refs = patientRefs.length > 0 ? [...new Set(patientRefs)] : [null];
    for (const ref of refs) {
      auditCall.push(index + 1);
      auditRef.push(ref);
    }
  });
  return [...columns, auditCall, auditRef];
}

@Injectable()
export class CallRecordRepository {
  private readonly batches = new GroupCommit<PendingCall>((calls) => this.pool.query(RECORD_CALLS_STATEMENT, RECORD_CALLS_SQL, parametersOf(calls)).then(() => undefined));

  constructor(private readonly pool: HotPathPool) {}

  async record(call: CallRecordInput, patientRefs: readonly string[], tx?: DbTransaction): Promise<void> {
    if (!tx) return this.batches.submit({ call, patientRefs });
    await this.recordAll([{ call, patientRefs }], tx);
  }

  /** Several calls in the caller's transaction, one statement. */
  async recordAll(calls: readonly PendingCall[], tx: AnyTransaction): Promise<void> {
    if (calls.length === 0) return;
    await executeIn(tx, RECORD_CALLS_STATEMENT, RECORD_CALLS_SQL, parametersOf(calls));
  }
}
