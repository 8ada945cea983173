import { Injectable } from '@nestjs/common';
import { AuditService } from '@sb/audit';
import { billingPeriodAt, ErrorCode, foundOrFail, naturalPeriodOf, notFound, SbError, type Actor, type BillingPeriod } from '@sb/core';
import { BillingPlanRepository, Database, TenantRepository, type DbTransaction, type TenantBillingTerms } from '@sb/db';
import { UsageRollupService } from '@sb/metering';
import { appendBillingAudit } from './billing-audit';
import { actorRef } from './plans.service';

/** What an operator sets with `PUT /v1/tenants/{id}/billing`. */
export interface TenantBillingInput {
  planId: string;
  timezone: string;
  anchorDay: number;
  currency: string;
  graceMinutes: number;
}

/** A period as shown to people: its id, bounds and the zone that cut it. */
export interface PeriodView extends BillingPeriod {
  timezone: string;
}

/** A tenant's billing: the terms in force, any waiting for the next period, every row, and the current period. */
export interface TenantBillingView {
  tenantId: string;
  current: TenantBillingTerms | null;
  upcoming: TenantBillingTerms | null;
  history: TenantBillingTerms[];
  currentPeriod: PeriodView;
}

/** Transactions that rebuild a tenant's period totals may take a while for a tenant with a long history. */
const ASSIGN_TIMEOUT_MS = 120_000;

/**
 * Tenant billing terms: an append-only history (see the metering plan). A tenant's first
 * terms apply from the start of the new schedule's natural period containing now (so the
 * current period is billed under them, and its totals are rebuilt under the new schedule);
 * any later change applies from the next period, because a price or schedule change
 * never rewrites a period already under way.
 */
@Injectable()
export class TenantBillingService {
  constructor(
    private readonly db: Database,
    private readonly plans: BillingPlanRepository,
    private readonly tenants: TenantRepository,
    private readonly audit: AuditService,
    private readonly rollup: UsageRollupService,
  ) {}

  async assign(actor: Actor, tenantId: string, input: TenantBillingInput, now = new Date()): Promise<TenantBillingTerms> {
    foundOrFail(await this.tenants.findById(tenantId), 'Tenant');
    const plan = foundOrFail(await this.plans.findPlan(input.planId), 'Plan');
    if (plan.currency !== input.currency) {
      throw new SbError(ErrorCode.CurrencyMismatch, 'The billing currency must be the plan’s currency', {
        issues: [{ path: 'currency', message: `the plan bills in ${plan.currency}` }],
        details: { planCurrency: plan.currency },
      });
    }
    return this.db.transaction(
      async (tx) => {
        await this.plans.sharePlan(tx, plan.id);
        await this.plans.lockTenant(tx, tenantId);
        const version = foundOrFail(await this.plans.findVersion(plan.id, undefined, tx), 'Plan version');
        const history = await this.plans.terms(tenantId, tx);
        const schedule = { timezone: input.timezone, anchorDay: input.anchorDay };
        const first = history.length === 0;
        const effectiveFrom = first ? naturalPeriodOf(now, schedule).start : billingPeriodAt(history, now).end;
        const terms = await this.plans.insertTerms(tx, {
          tenantId,
          planId: plan.id,
          planVersion: version.version,
          timezone: input.timezone,
          anchorDay: input.anchorDay,
          currency: input.currency,
          graceMinutes: input.graceMinutes,
          effectiveFrom,
          createdBy: actorRef(actor),
        });
        // The current period's totals were keyed under the default schedule: recount them under the new one.
        if (first) await this.rollup.rebuildFrom(tenantId, effectiveFrom, tx);
        await appendBillingAudit(this.audit, tx, { tenantId, actor, operation: 'billing.assign', objectRef: `billing/terms/${terms.id}`, at: now });
        return terms;
      },
      { timeoutMs: ASSIGN_TIMEOUT_MS },
    );
  }

  /** The tenant's billing as its own finance users and the operator see it; another tenant's is a 404. */
  async view(actor: Actor, tenantId: string, now = new Date()): Promise<TenantBillingView> {
    if (actor.type !== 'operator' && actor.tenantId !== tenantId) throw notFound('Tenant');
    foundOrFail(await this.tenants.findById(tenantId), 'Tenant');
    const history = await this.plans.terms(tenantId);
    const period = billingPeriodAt(history, now);
    const upcoming = history.filter((t) => t.effectiveFrom > now).at(-1) ?? null;
    return { tenantId, current: period.terms, upcoming, history, currentPeriod: periodView(period) };
  }

  /** The tenant's terms history in insertion order (what the period functions expect). */
  history(tenantId: string, tx?: DbTransaction): Promise<TenantBillingTerms[]> {
    return this.plans.terms(tenantId, tx);
  }
}

/** A period with the timezone of the terms that cut it (UTC for a tenant without terms). */
export function periodView(period: BillingPeriod & { terms: { timezone: string } | null }): PeriodView {
  return { id: period.id, start: period.start, end: period.end, timezone: period.terms?.timezone ?? 'UTC' };
}
