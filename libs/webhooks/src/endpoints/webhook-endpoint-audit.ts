import type { AuditService } from '@sb/audit';
import type { Actor } from '@sb/core';
import type { DbTransaction } from '@sb/db';
import { randomUUID } from 'node:crypto';

/** The audit operations of webhook endpoint changes (one record in the tenant's chain per change, in the change's transaction). */
export const WebhookAuditOperation = {
  Create: 'webhook-endpoint.create',
  Update: 'webhook-endpoint.update',
  Disable: 'webhook-endpoint.disable',
  Enable: 'webhook-endpoint.enable',
  Delete: 'webhook-endpoint.delete',
  RotateSecret: 'webhook-endpoint.rotate-secret',
} as const;
export type WebhookAuditOperation = (typeof WebhookAuditOperation)[keyof typeof WebhookAuditOperation];

/** Who made a change: the person, key or client behind the request. */
export type WebhookChangeActor = Pick<Actor, 'type' | 'id'>;

/** The audit record's `objectRef` for an endpoint: its path under `/v1`, as the console's admin records name it. */
export const webhookEndpointRef = (endpointId: string): string => `webhook-endpoints/${endpointId}`;

/**
 * Appends a webhook endpoint change to the tenant's audit chain inside `tx`, so the record
 * exists exactly when the change does. `fields` names what changed (`url`, `eventTypes`,
 * `status`, `secret`, …) — never a value: not the URL, which may carry a receiver's token,
 * and never a secret.
 */
export function appendWebhookAudit(
  audit: AuditService,
  tx: DbTransaction,
  entry: { tenantId: string; actor: WebhookChangeActor; operation: WebhookAuditOperation; endpointId: string; fields?: readonly string[]; at: Date },
): Promise<{ id: string }> {
  return audit.append(tx, {
    tenantId: entry.tenantId,
    transactionId: randomUUID(),
    connectionId: null,
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    operation: entry.operation,
    resourceType: 'WebhookEndpoint',
    patientRef: null,
    purpose: entry.fields === undefined ? null : `fields: ${entry.fields.length > 0 ? entry.fields.join(', ') : 'none'}`,
    objectRef: webhookEndpointRef(entry.endpointId),
    outcome: 'success',
    occurredAt: entry.at,
  });
}
