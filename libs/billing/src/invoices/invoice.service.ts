import { Injectable } from '@nestjs/common';
import { AuditService } from '@sb/audit';
import { ErrorCode, foundOrFail, notFound, SbError, type Actor } from '@sb/core';
import { BillingPlanRepository, Database, InvoiceRepository, TenantRepository, type InvoiceSummary, type InvoiceWithDocument } from '@sb/db';
import { UsageRollupService } from '@sb/metering';
import { randomUUID } from 'node:crypto';
import { canonicalJson, renderInvoicePdf, sha256Hex } from '../documents';
import { appendBillingAudit, type BillingActor } from '../plans/billing-audit';
import { invoiceNumber, type InvoiceDocument } from './invoice-document';
import { PreviewService, resolvePeriod } from './preview.service';

/** The gapless counter invoice numbers come from. */
export const INVOICE_COUNTER = 'invoice';
/** Most invoices one list returns. */
export const INVOICE_LIST_LIMIT = 500;
/** How long a caller should wait when the rollup has not yet caught up with a period's end. */
const ROLLUP_RETRY_SECONDS = 5;

/**
 * Finalizes periods into invoices and reads them back. A close runs in one transaction under
 * the tenant's billing lock: it marks the adjustments it carries, rates the period, takes the
 * next number of the gapless counter (`INSERT … ON CONFLICT DO UPDATE … RETURNING`, rolled back
 * with the transaction, so numbers never skip), stores the canonical JSON document, its SHA-256
 * and a PDF, and appends `billing.close` to the tenant's audit chain. Invoices are immutable
 * (a trigger refuses UPDATE and DELETE), and unique per tenant period.
 */
@Injectable()
export class InvoiceService {
  constructor(
    private readonly db: Database,
    private readonly plans: BillingPlanRepository,
    private readonly invoices: InvoiceRepository,
    private readonly tenants: TenantRepository,
    private readonly previews: PreviewService,
    private readonly rollup: UsageRollupService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Closes the tenant's period named by `ref` (`YYYY-MM` or a period id) now, grace or not:
   * 409 `period_open` before its end, 409 `already_closed` when it has its invoice, 409
   * `conflict` when it has no billing terms or the rollup has not yet reached its end.
   */
  async close(actor: BillingActor, tenantId: string, ref: string, now = new Date()): Promise<InvoiceSummary> {
    const tenant = foundOrFail(await this.tenants.findById(tenantId), 'Tenant');
    const refreshedAt = await this.rollup.refreshedAt();
    return this.db.transaction(async (tx) => {
      await this.plans.lockTenant(tx, tenantId);
      const period = resolvePeriod(await this.plans.terms(tenantId, tx), ref, now);
      if (period.end > now) throw new SbError(ErrorCode.PeriodOpen, 'The billing period has not ended yet', { details: { period: period.id, endsAt: period.end.toISOString() } });
      if (await this.invoices.forPeriod(tenantId, period.start, tx)) throw alreadyClosed(period.id);
      if (!period.terms) throw new SbError(ErrorCode.Conflict, 'The billing period has no billing terms: there is nothing to invoice', { details: { period: period.id } });
      if (refreshedAt < period.end) {
        throw new SbError(ErrorCode.Conflict, 'Usage of the period is still being rolled up', { details: { period: period.id, retryAfterSeconds: ROLLUP_RETRY_SECONDS } });
      }
      const terms = period.terms;
      const id = randomUUID();
      const carried = await this.invoices.markCarried(tx, tenantId, period.start, id);
      const own = carried.filter((a) => a.periodStart.getTime() === period.start.getTime());
      const corrections = carried.filter((a) => a.periodStart.getTime() !== period.start.getTime());
      const draft = await this.previews.rate(tenantId, { ...period, terms }, own, corrections, { tx, closingInvoiceId: id });
      const number = invoiceNumber(await this.invoices.nextCounterValue(tx, INVOICE_COUNTER));
      const finalizedAt = new Date();
      const document: InvoiceDocument = {
        number,
        tenant: { id: tenant.id, name: tenant.name },
        period: { id: period.id, start: period.start.toISOString(), end: period.end.toISOString(), timezone: terms.timezone },
        plan: { id: terms.planId, name: draft.planName, version: terms.planVersion, definitionHash: draft.definitionHash },
        currency: draft.definition.currency,
        quantities: draft.quantities,
        lines: draft.lines,
        subtotal: draft.subtotal,
        total: draft.total,
        finalizedAt: finalizedAt.toISOString(),
      };
      const json = canonicalJson(document);
      const sha256 = sha256Hex(json);
      const invoice = await this.invoices.insert(tx, {
        id,
        tenantId,
        number,
        periodId: period.id,
        periodStart: period.start,
        periodEnd: period.end,
        timezone: terms.timezone,
        currency: document.currency,
        planId: terms.planId,
        planVersion: terms.planVersion,
        document: json,
        total: draft.total,
        sha256,
        finalizedAt,
        pdf: renderInvoicePdf(document, sha256),
      });
      if (!invoice) throw alreadyClosed(period.id);
      await appendBillingAudit(this.audit, tx, { tenantId, actor, operation: 'billing.close', objectRef: `billing/invoices/${id}`, at: finalizedAt });
      return invoice;
    });
  }

  /** Invoices, newest period first: the caller's own, or (operator) one tenant's or every tenant's. */
  list(actor: Actor, tenantId?: string): Promise<InvoiceSummary[]> {
    return this.invoices.list(scopeOf(actor, tenantId), INVOICE_LIST_LIMIT);
  }

  /** One invoice with its document; another tenant's is a 404. */
  async get(actor: Actor, id: string): Promise<InvoiceWithDocument> {
    return foundOrFail(await this.invoices.findById(scopeOf(actor), id), 'Invoice');
  }

  /** The invoice's PDF as finalized; another tenant's is a 404. */
  async pdf(actor: Actor, id: string): Promise<{ number: string; pdf: Buffer }> {
    const invoice = await this.get(actor, id);
    const pdf = foundOrFail(await this.invoices.pdf(invoice.tenantId, id), 'Invoice');
    return { number: invoice.number, pdf };
  }
}

const alreadyClosed = (period: string) => new SbError(ErrorCode.AlreadyClosed, 'The billing period already has its invoice', { details: { period } });

/** A tenant credential reads its own tenant only (a `tenantId` naming another is a 404); the operator reads the one named, or all. */
export function scopeOf(actor: Actor, tenantId?: string): string | null {
  if (actor.type === 'operator') return tenantId ?? null;
  if (tenantId !== undefined && tenantId !== actor.tenantId) throw notFound('Tenant');
  return actor.tenantId;
}
