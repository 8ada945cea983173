import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { billingPeriodAt, type BillingPeriod } from '@sb/core';
import { BillingPlanRepository, Database, UsageAlertRepository, type TenantBillingTerms, type UsageAlertRuleState } from '@sb/db';
import { EventWriter } from '@sb/events';
import { ProcessingLoop, ProcessingLoopService } from '@sb/queue';
import {
  amountValue,
  includedPercentValue,
  minimumElapsedForProjectionMs,
  projectedSpendValue,
  reached,
  sumAmounts,
  unitsValue,
  type AlertValue,
  type UsageAlertMetricName,
} from './alert-values';
import { includedUnitsOf } from './plan-included-units';

/**
 * How often the rules are evaluated: with the rollup's lag (≤ 5 s) a crossing is notified
 * within about 15 s, well inside the 60 s promised.
 */
export const ALERT_EVALUATION_EVERY_MS = 10_000;
/** Pause after a failed round (database down). */
export const ALERT_EVALUATION_ERROR_PAUSE_MS = 10_000;

export const USAGE_THRESHOLD_CROSSED = 'usage.threshold_crossed';

/** The current period's draft as the alerts need it: its period, total and each line's class and amount. */
export interface CurrentSpend {
  period: { id: string; start: Date | string; end: Date | string };
  total: string;
  lines: readonly { class: string | null; amount: string }[];
}

/** Where spend comes from (the invoice preview of the period containing `now`); absent, amount rules are not evaluated. */
export interface AlertSpendSource {
  currentSpend(tenantId: string, now: Date): Promise<CurrentSpend>;
}
export const ALERT_SPEND_SOURCE = Symbol('ALERT_SPEND_SOURCE');

/** What one evaluation round did. */
export interface EvaluationRound {
  evaluated: number;
  fired: number;
}

interface Measured {
  period: BillingPeriod;
  value: AlertValue;
}

/**
 * Evaluates usage alert rules over each tenant's current billing period and, when a value
 * reaches its threshold, appends `usage.threshold_crossed` (delivered as a signed webhook by
 * the relay). Exactly once per rule and period: the firing row (rule, period start) is inserted
 * first, in the event's transaction, and only the insert that wins appends the event — a second
 * worker, or a restart, finds the row and does nothing. Started by the worker; stopped on shutdown.
 */
@Injectable()
export class UsageAlertEvaluator extends ProcessingLoopService {
  private readonly logger = new Logger(UsageAlertEvaluator.name);
  protected readonly loop = new ProcessingLoop(
    'usage-alerts',
    async () => {
      await this.evaluateOnce();
      return 0; // always wait the interval: rules are evaluated on a clock, not drained
    },
    { idleMs: ALERT_EVALUATION_EVERY_MS, errorMs: ALERT_EVALUATION_ERROR_PAUSE_MS },
  );

  constructor(
    private readonly db: Database,
    private readonly alerts: UsageAlertRepository,
    private readonly plans: BillingPlanRepository,
    private readonly events: EventWriter,
    @Optional() @Inject(ALERT_SPEND_SOURCE) private readonly spend: AlertSpendSource | null = null,
  ) {
    super();
  }

  /** One round over every rule in force, tenant by tenant (a failing tenant does not hold up the others). */
  async evaluateOnce(now: Date = new Date()): Promise<EvaluationRound> {
    const byTenant = new Map<string, UsageAlertRuleState[]>();
    for (const rule of await this.alerts.activeRules()) {
      const list = byTenant.get(rule.tenantId) ?? [];
      list.push(rule);
      byTenant.set(rule.tenantId, list);
    }
    const round: EvaluationRound = { evaluated: 0, fired: 0 };
    for (const [tenantId, rules] of byTenant) {
      try {
        const tenantRound = await this.evaluateTenant(tenantId, rules, now);
        round.evaluated += tenantRound.evaluated;
        round.fired += tenantRound.fired;
      } catch (error) {
        this.logger.error({ err: error, tenantId }, 'usage alert evaluation failed for a tenant');
      }
    }
    return round;
  }

  private async evaluateTenant(tenantId: string, rules: readonly UsageAlertRuleState[], now: Date): Promise<EvaluationRound> {
    const terms = await this.plans.terms(tenantId);
    const period = billingPeriodAt(terms, now);
    let spend: Promise<CurrentSpend> | undefined;
    const spendOnce = (): Promise<CurrentSpend> | null => (this.spend ? (spend ??= this.spend.currentSpend(tenantId, now)) : null);
    const round: EvaluationRound = { evaluated: 0, fired: 0 };
    for (const rule of rules) {
      // Already fired this period (the common case once crossed): nothing to compute.
      if (rule.lastFiredPeriodStart && rule.lastFiredPeriodStart.getTime() >= period.start.getTime()) continue;
      const measured = await this.measure(rule, period, now, spendOnce);
      if (!measured) continue;
      round.evaluated += 1;
      if (!reached(measured.value, rule.threshold)) continue;
      if (await this.fire(rule, measured)) round.fired += 1;
    }
    return round;
  }

  /** The rule's value over its period, or null when it cannot be measured now (no spend source, no included units, too early to project). */
  private async measure(
    rule: UsageAlertRuleState,
    period: BillingPeriod & { terms: TenantBillingTerms | null },
    now: Date,
    spendOnce: () => Promise<CurrentSpend> | null,
  ): Promise<Measured | null> {
    const metric = rule.metric as UsageAlertMetricName;
    switch (metric) {
      case 'units':
        return { period, value: unitsValue(await this.alerts.billableUnits(rule.tenantId, period.start, rule)) };
      case 'includedPercent': {
        if (!rule.class || !period.terms) return null;
        const version = await this.plans.findVersion(period.terms.planId, period.terms.planVersion);
        const included = includedUnitsOf(version?.definition, rule.class);
        if (included === 0) return null;
        return { period, value: includedPercentValue(await this.alerts.billableUnits(rule.tenantId, period.start, rule), included) };
      }
      case 'amount':
      case 'projectedSpend': {
        const pending = spendOnce();
        if (!pending) return null;
        const current = await pending;
        const spendPeriod: BillingPeriod = { id: current.period.id, start: new Date(current.period.start), end: new Date(current.period.end) };
        const amount = rule.class ? sumAmounts(current.lines.filter((l) => l.class === rule.class).map((l) => l.amount)) : current.total;
        if (metric === 'amount') return { period: spendPeriod, value: amountValue(amount) };
        const periodMs = spendPeriod.end.getTime() - spendPeriod.start.getTime();
        const elapsedMs = Math.min(now.getTime(), spendPeriod.end.getTime()) - spendPeriod.start.getTime();
        if (elapsedMs < minimumElapsedForProjectionMs(periodMs)) return null;
        return { period: spendPeriod, value: projectedSpendValue(amount, elapsedMs, periodMs) };
      }
      default:
        metric satisfies never;
        return null;
    }
  }

  /** Inserts the (rule, period) firing and, only if this call inserted it, the event, in one transaction. */
  private fire(rule: UsageAlertRuleState, measured: Measured): Promise<boolean> {
    const { period, value } = measured;
    return this.db.transaction(async (tx) => {
      const claimed = await this.alerts.claimFiring(tx, { ruleId: rule.id, tenantId: rule.tenantId, periodStart: period.start, value: value.display });
      if (!claimed) return false;
      const [eventId] = await this.events.append(tx, [
        {
          tenantId: rule.tenantId,
          connectionId: rule.connectionId,
          type: USAGE_THRESHOLD_CROSSED,
          data: {
            ruleId: rule.id,
            ruleName: rule.name,
            metric: rule.metric,
            threshold: rule.threshold,
            value: value.display,
            period: { id: period.id, start: period.start.toISOString(), end: period.end.toISOString() },
            ...(rule.connectionId ? { connectionId: rule.connectionId } : {}),
            ...(rule.class ? { class: rule.class } : {}),
          },
        },
      ]);
      if (!eventId) throw new Error('the event was not appended');
      await this.alerts.setFiringEvent(tx, rule.id, period.start, eventId);
      return true;
    });
  }
}
