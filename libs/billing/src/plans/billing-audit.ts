import type { AuditService } from '@sb/audit';
import type { Actor } from '@sb/core';
import type { DbTransaction } from '@sb/db';
import { randomUUID } from 'node:crypto';

/** The audit operations of billing (one record in the tenant's chain per change, in the change's transaction). */
export type BillingAuditOperation = 'billing.assign' | 'billing.plan_version' | 'billing.close';

/** Who did it: the person or key behind the request, or the worker for automatic closes. */
export type BillingActor = Pick<Actor, 'type' | 'id'>;

/** The invoice closer's identity in audit records. */
export const CLOSER_ACTOR: BillingActor = { type: 'system', id: 'invoice-closer' };

/**
 * Appends a billing record to the tenant's audit chain inside `tx`, so the record exists
 * exactly when the change does. Never a patient, never a connection: `objectRef` names the
 * billing object (`billing/terms/<id>`, `billing/invoices/<id>`).
 */
export function appendBillingAudit(
  audit: AuditService,
  tx: DbTransaction,
  entry: { tenantId: string; actor: BillingActor; operation: BillingAuditOperation; objectRef: string; at?: Date },
): Promise<{ id: string }> {
  return audit.append(tx, {
    tenantId: entry.tenantId,
    transactionId: randomUUID(),
    connectionId: null,
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    operation: entry.operation,
    resourceType: 'billing',
    patientRef: null,
    purpose: 'billing',
    objectRef: entry.objectRef,
    outcome: 'success',
    occurredAt: entry.at ?? new Date(),
  });
}
