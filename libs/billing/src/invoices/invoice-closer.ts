import { Injectable, Logger } from '@nestjs/common';
import { billingPeriodAt, ErrorCode, isSbError, type BillingPeriod } from '@sb/core';
import { BillingPlanRepository, InvoiceRepository, type TenantBillingTerms } from '@sb/db';
import { ProcessingLoop, ProcessingLoopService } from '@sb/queue';
import { CLOSER_ACTOR } from '../plans/billing-audit';
import { InvoiceService } from './invoice.service';

/** How often the closer looks for ended periods. */
export const INVOICE_CLOSE_EVERY_MS = 30_000;
/** Pause after a failed round (database down). */
const CLOSE_ERROR_PAUSE_MS = 30_000;
/** Periods looked at per tenant and round, at most (a tenant billed for years has dozens). */
const MAX_PERIODS_PER_TENANT = 1_200;
const MINUTE_MS = 60_000;

/**
 * Closes ended billing periods after their grace period (the terms' `graceMinutes`, default
 * 60): every period with terms whose end is more than its grace ago and that has no invoice
 * is finalized, oldest first. Started by the worker; stopped on shutdown (a close in flight
 * finishes first). Two closers racing on one period cannot both finalize it: the close takes
 * the tenant's billing lock and the invoice is unique per tenant period.
 */
@Injectable()
export class InvoiceCloser extends ProcessingLoopService {
  private readonly logger = new Logger(InvoiceCloser.name);
  protected readonly loop = new ProcessingLoop('invoice-closer', async () => {
    await this.closeDue();
    return 0; // a round closes everything due; the next one waits the full interval
  }, { idleMs: INVOICE_CLOSE_EVERY_MS, errorMs: CLOSE_ERROR_PAUSE_MS });

  constructor(
    private readonly plans: BillingPlanRepository,
    private readonly invoices: InvoiceRepository,
    private readonly service: InvoiceService,
  ) {
    super();
  }

  /** One round: finalizes every period due at `now`; returns the invoices written. */
  async closeDue(now = new Date()): Promise<number> {
    let closed = 0;
    for (const tenantId of await this.plans.tenantsWithTerms()) {
      try {
        closed += await this.closeTenant(tenantId, now);
      } catch (error) {
        this.logger.error({ err: error, tenantId }, 'closing billing periods failed');
      }
    }
    return closed;
  }

  private async closeTenant(tenantId: string, now: Date): Promise<number> {
    const due = duePeriods(await this.plans.terms(tenantId), now);
    if (due.length === 0) return 0;
    const closedStarts = new Set((await this.invoices.closedStarts(tenantId, due.map((p) => p.start))).map((d) => d.getTime()));
    let closed = 0;
    for (const period of due) {
      if (closedStarts.has(period.start.getTime())) continue;
      try {
        await this.service.close(CLOSER_ACTOR, tenantId, period.id, now);
        closed += 1;
      } catch (error) {
        if (isSbError(error) && error.code === ErrorCode.AlreadyClosed) continue;
        // The rollup has not reached the period's end (or anything else): later periods wait, so invoices stay in order.
        if (isSbError(error) && error.code === ErrorCode.Conflict) return closed;
        throw error;
      }
    }
    return closed;
  }
}

/** Periods with terms whose end plus grace is at or before `now`, oldest first (from the first terms on). */
export function duePeriods(history: readonly TenantBillingTerms[], now: Date): BillingPeriod[] {
  const first = history.reduce<Date | null>((min, t) => (min === null || t.effectiveFrom < min ? t.effectiveFrom : min), null);
  if (first === null) return [];
  const due: BillingPeriod[] = [];
  let period = billingPeriodAt(history, first);
  for (let i = 0; i < MAX_PERIODS_PER_TENANT && period.end <= now; i++) {
    if (period.terms && period.end.getTime() + period.terms.graceMinutes * MINUTE_MS <= now.getTime()) due.push(period);
    period = billingPeriodAt(history, period.end);
  }
  return due;
}
