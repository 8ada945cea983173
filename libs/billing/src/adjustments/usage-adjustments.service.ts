import { Injectable } from '@nestjs/common';
import { AuditService } from '@sb/audit';
import { billingPeriodAt, ErrorCode, notFound, SbError, type Actor } from '@sb/core';
import {
  BillingPlanRepository,
  ConnectionRepository,
  Database,
  TenantRepository,
  UsageAdjustmentRepository,
  type AdjustableUsage,
  type DbTransaction,
  type NewUsageAdjustment,
  type StoredUsageAdjustment,
} from '@sb/db';
import { createHash, randomUUID } from 'node:crypto';

/** The most usage events one range request may correct: larger ranges are split by the caller. */
export const MAX_ADJUSTMENT_RANGE_EVENTS = 10_000;

export type AdjustmentAction = 'void' | 'amend';

/** Which usage events a request corrects: listed transactions, or every event of one connection in [from, to). */
export type AdjustmentTarget = { transactionIds: string[] } | { connectionId: string; from: Date; to: Date };

export interface AdjustmentInput {
  tenantId: string;
  target: AdjustmentTarget;
  action: AdjustmentAction;
  /** The corrected units of each event (amend only). */
  units?: number;
  reason: string;
}

/** Why a targeted event got no adjustment row: its non-billable reason, or `unchanged` (its effective units already are the result). */
export type SkipReason = 'failed' | 'sandbox' | 'duplicate' | 'unclassified' | 'unchanged';

/** One written row as the API shows it. */
export interface AdjustmentView {
  id: string;
  transactionId: string;
  unitsDelta: number;
  periodStart: string;
  /** `draft`: its period has no invoice yet, the draft changes; `next-invoice`: a correction line on the next invoice. */
  lands: 'draft' | 'next-invoice';
}

export interface AdjustmentAnswer {
  requestId: string;
  adjustments: AdjustmentView[];
  skipped: { transactionId: string; reason: SkipReason }[];
}

/**
 * Corrections of billable usage: each request writes signed `UsageAdjustment` rows (never an
 * edit of a usage row), one audit record and its idempotency record in one transaction. The
 * delta of an event is computed against its effective units (its units plus the deltas already
 * written for it), so voiding twice voids once and amending sets the units, whatever came before.
 */
@Injectable()
export class UsageAdjustmentsService {
  constructor(
    private readonly db: Database,
    private readonly adjustments: UsageAdjustmentRepository,
    private readonly plans: BillingPlanRepository,
    private readonly tenants: TenantRepository,
    private readonly connections: ConnectionRepository,
    private readonly audit: AuditService,
  ) {}

  /**
   * Writes the request's adjustments, or replays the stored answer of an earlier request with the
   * same `Idempotency-Key` and body (`replayed: true`); the same key with another body is a 409.
   */
  async adjust(actor: Actor, input: AdjustmentInput, idempotencyKey: string): Promise<AdjustmentAnswer & { replayed: boolean }> {
    if (input.action === 'amend' && input.units === undefined) throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'units', message: 'required for amend' }] });
    if (!(await this.tenants.findById(input.tenantId))) throw notFound('Tenant');
    const requestHash = hashOf(input);
    return this.db.transaction(async (tx) => {
      await this.adjustments.lockTenant(tx, input.tenantId);
      const stored = await this.adjustments.findRequest(tx, input.tenantId, idempotencyKey);
      if (stored) {
        if (stored.requestHash !== requestHash) throw new SbError(ErrorCode.IdempotencyKeyReused, 'Idempotency-Key was used for a different request');
        return { ...(stored.response as AdjustmentAnswer), replayed: true };
      }
      const answer = await this.write(tx, actor, input);
      await this.adjustments.saveRequest(tx, { tenantId: input.tenantId, idempotencyKey, requestHash, requestId: answer.requestId, response: answer });
      return { ...answer, replayed: false };
    }, { timeoutMs: 60_000 });
  }

  /** The tenant's adjustments written in [from, to), newest first. */
  list(tenantId: string, query: { from?: Date; to?: Date; limit: number; after?: { createdAt: Date; id: string } }): Promise<StoredUsageAdjustment[]> {
    return this.adjustments.list(tenantId, query);
  }

  private async write(tx: DbTransaction, actor: Actor, input: AdjustmentInput): Promise<AdjustmentAnswer> {
    const events = await this.targets(tx, input);
    const requestId = randomUUID();
    const terms = await this.plans.terms(input.tenantId, tx);
    const earlier = await this.adjustments.deltasByTransaction(tx, input.tenantId, events.map((e) => e.transactionId));
    const rows: NewUsageAdjustment[] = [];
    const skipped: AdjustmentAnswer['skipped'] = [];
    for (const event of events) {
      if (!event.billable || event.class === null) {
        skipped.push({ transactionId: event.transactionId, reason: (event.nonBillableReason ?? 'unclassified') as SkipReason });
        continue;
      }
      const effective = event.units + (earlier.get(event.transactionId) ?? 0);
      const unitsDelta = input.action === 'void' ? -effective : (input.units ?? effective) - effective;
      if (unitsDelta === 0) {
        skipped.push({ transactionId: event.transactionId, reason: 'unchanged' });
        continue;
      }
      rows.push({
        tenantId: input.tenantId,
        requestId,
        transactionId: event.transactionId,
        connectionId: event.connectionId,
        class: event.class,
        environment: event.environment,
        occurredAt: event.occurredAt,
        periodStart: billingPeriodAt(terms, event.occurredAt).start,
        action: input.action,
        unitsDelta,
        reason: input.reason,
        actorType: actor.type,
        actorId: actor.id,
      });
    }
    const invoiced = new Set((await this.adjustments.invoicedPeriodStarts(tx, input.tenantId, uniqueDates(rows.map((r) => r.periodStart)))).map((d) => d.getTime()));
    const written = await this.adjustments.insert(tx, rows);
    await this.audit.append(tx, {
      tenantId: input.tenantId,
      transactionId: requestId,
      connectionId: null,
      actorType: actor.type,
      actorId: actor.id,
      operation: 'billing.adjust',
      resourceType: 'UsageAdjustment',
      patientRef: null,
      purpose: 'billing',
      objectRef: `billing/adjustments/${requestId}`,
      outcome: 'success',
      occurredAt: new Date(),
    });
    return {
      requestId,
      adjustments: written.map((r) => ({
        id: r.id,
        transactionId: r.transactionId,
        unitsDelta: r.unitsDelta,
        periodStart: r.periodStart.toISOString(),
        lands: invoiced.has(r.periodStart.getTime()) ? 'next-invoice' : 'draft',
      })),
      skipped,
    };
  }

  /** The targeted events of the tenant; a listed transaction it does not have (unknown, or another tenant's) is a 404 and nothing is written. */
  private async targets(tx: DbTransaction, input: AdjustmentInput): Promise<AdjustableUsage[]> {
    const target = input.target;
    if ('transactionIds' in target) {
      const ids = [...new Set(target.transactionIds.map((id) => id.toLowerCase()))];
      const events = await this.adjustments.usageByTransactionIds(tx, input.tenantId, ids);
      if (events.length !== ids.length) throw new SbError(ErrorCode.NotFound, 'Usage event not found', { details: { missing: ids.length - events.length } });
      return events;
    }
    if (!(await this.connections.findById(input.tenantId, target.connectionId))) throw notFound('Connection');
    const events = await this.adjustments.usageOfConnection(tx, input.tenantId, { ...target, limit: MAX_ADJUSTMENT_RANGE_EVENTS + 1 });
    if (events.length > MAX_ADJUSTMENT_RANGE_EVENTS) {
      throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', {
        issues: [{ path: 'to', message: `the range holds more than ${MAX_ADJUSTMENT_RANGE_EVENTS} usage events; split it` }],
      });
    }
    return events;
  }
}

/** What makes two requests "the same" for `Idempotency-Key`: the normalized body. */
function hashOf(input: AdjustmentInput): string {
  const target =
    'transactionIds' in input.target
      ? { transactionIds: input.target.transactionIds.map((id) => id.toLowerCase()) }
      : { connectionId: input.target.connectionId.toLowerCase(), from: input.target.from.toISOString(), to: input.target.to.toISOString() };
  const normalized = { tenantId: input.tenantId.toLowerCase(), ...target, action: input.action, units: input.units ?? null, reason: input.reason };
  return createHash('sha256').update(JSON.stringify(normalized)).digest('hex');
}

const uniqueDates = (dates: readonly Date[]): Date[] => [...new Map(dates.map((d) => [d.getTime(), d])).values()];
