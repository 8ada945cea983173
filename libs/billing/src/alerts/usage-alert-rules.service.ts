import { Injectable } from '@nestjs/common';
import { billingPeriodAt, ErrorCode, notFound, SbError } from '@sb/core';
import { BillingPlanRepository, ConnectionRepository, TenantRepository, UsageAlertRepository, type UsageAlertFiring, type UsageAlertRule } from '@sb/db';
import type { UsageAlertMetricName } from './alert-values';
import { includedUnitsOf } from './plan-included-units';

/** The longest rule name (a label the tenant chooses; it travels in the webhook). */
export const MAX_ALERT_RULE_NAME_CHARS = 100;
/** Rules in force per tenant. */
export const MAX_ALERT_RULES_PER_TENANT = 100;

export interface NewAlertRuleInput {
  name: string;
  metric: UsageAlertMetricName;
  threshold: string;
  connectionId?: string;
  class?: string;
}

/** A rule as the API shows it, with its latest firing (one per billing period at most). */
export type AlertRuleView = UsageAlertRule & { lastFiring: Omit<UsageAlertFiring, 'ruleId'> | null };

/**
 * A tenant's usage alert rules: created, listed and soft-deleted, always within the tenant
 * (another tenant's rule or connection is "not found").
 */
@Injectable()
export class UsageAlertRulesService {
  constructor(
    private readonly rules: UsageAlertRepository,
    private readonly tenants: TenantRepository,
    private readonly connections: ConnectionRepository,
    private readonly plans: BillingPlanRepository,
  ) {}

  async create(tenantId: string, input: NewAlertRuleInput): Promise<AlertRuleView> {
    if (!(await this.tenants.findById(tenantId))) throw notFound('Tenant');
    if (input.connectionId !== undefined && !(await this.connections.findById(tenantId, input.connectionId))) throw notFound('Connection');
    if (input.metric === 'includedPercent') await this.checkIncludedUnits(tenantId, input.class);
    if ((await this.rules.list(tenantId)).length >= MAX_ALERT_RULES_PER_TENANT) {
      throw new SbError(ErrorCode.Conflict, `A tenant has at most ${MAX_ALERT_RULES_PER_TENANT} alert rules; delete one first`);
    }
    const rule = await this.rules.create(tenantId, {
      name: input.name,
      metric: input.metric,
      threshold: input.threshold,
      connectionId: input.connectionId ?? null,
      class: input.class ?? null,
    });
    return { ...rule, lastFiring: null };
  }

  async list(tenantId: string): Promise<AlertRuleView[]> {
    return (await this.rules.list(tenantId)).map((rule) => ({ ...rule, lastFiring: rule.lastFiring && withoutRuleId(rule.lastFiring) }));
  }

  async remove(tenantId: string, id: string): Promise<void> {
    if (!(await this.rules.softDelete(tenantId, id))) throw notFound('Alert rule');
  }

  /**
   * A percentage of included units needs included units: when the tenant's plan in force names
   * none for the class, the rule could never be evaluated, so it is refused now. (A tenant without
   * a plan yet may create it; until a plan includes units of the class, the evaluator skips it.)
   */
  private async checkIncludedUnits(tenantId: string, cls: string | undefined): Promise<void> {
    if (cls === undefined) throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'class', message: 'required for includedPercent' }] });
    const terms = billingPeriodAt(await this.plans.terms(tenantId), new Date()).terms;
    if (!terms) return;
    const version = await this.plans.findVersion(terms.planId, terms.planVersion);
    if (includedUnitsOf(version?.definition, cls) === 0) {
      throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', {
        issues: [{ path: 'class', message: 'the tenant’s plan includes no units of this class, so a percentage of included units is undefined' }],
      });
    }
  }
}

const withoutRuleId = ({ ruleId: _ruleId, ...firing }: UsageAlertFiring): Omit<UsageAlertFiring, 'ruleId'> => firing;
