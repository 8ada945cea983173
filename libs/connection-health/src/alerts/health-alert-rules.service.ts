import { Injectable } from '@nestjs/common';
import { ErrorCode, notFound, SbError } from '@sb/core';
import { HealthAlertRepository, type HealthAlertFiring, type HealthAlertRule, type HealthAlertRuleInput } from '@sb/db';
import type { CreateHealthAlertRuleInput, UpdateHealthAlertRuleInput } from './health-alert-rule.schemas';

/** Rules in force per tenant. */
export const MAX_HEALTH_ALERT_RULES_PER_TENANT = 100;
/** Firings one history read returns (newest first). */
export const HEALTH_ALERT_FIRINGS_SHOWN = 100;

const RULE = 'Health alert rule';

export type HealthAlertRuleView = Omit<HealthAlertRule, 'tenantId'>;
export const healthAlertRuleView = ({ tenantId: _tenantId, ...rule }: HealthAlertRule): HealthAlertRuleView => rule;

/**
 * A tenant's connection health alert rules, always within the tenant: another tenant's rule is
 * "not found", and a rule may list only the tenant's own connections.
 */
@Injectable()
export class HealthAlertRulesService {
  constructor(private readonly rules: HealthAlertRepository) {}

  async create(tenantId: string, input: CreateHealthAlertRuleInput): Promise<HealthAlertRule> {
    await this.checkConnections(tenantId, input.connectionIds);
    if ((await this.rules.count(tenantId)) >= MAX_HEALTH_ALERT_RULES_PER_TENANT) {
      throw new SbError(ErrorCode.Conflict, `A tenant has at most ${MAX_HEALTH_ALERT_RULES_PER_TENANT} health alert rules; delete one first`);
    }
    return this.rules.create(tenantId, { name: input.name, connectionIds: input.connectionIds, to: input.to, quietHours: input.quietHours ?? null });
  }

  list(tenantId: string): Promise<HealthAlertRule[]> {
    return this.rules.list(tenantId);
  }

  async get(tenantId: string, id: string): Promise<HealthAlertRule> {
    const rule = await this.rules.findById(tenantId, id);
    if (!rule) throw notFound(RULE);
    return rule;
  }

  async update(tenantId: string, id: string, patch: UpdateHealthAlertRuleInput): Promise<HealthAlertRule> {
    const current = await this.get(tenantId, id);
    if (patch.connectionIds) await this.checkConnections(tenantId, patch.connectionIds);
    const next: HealthAlertRuleInput = {
      name: patch.name ?? current.name,
      connectionIds: patch.connectionIds ?? current.connectionIds,
      to: patch.to ?? current.to,
      quietHours: patch.quietHours === undefined ? current.quietHours : patch.quietHours,
    };
    const updated = await this.rules.update(tenantId, id, next);
    if (!updated) throw notFound(RULE);
    return updated;
  }

  async remove(tenantId: string, id: string): Promise<void> {
    if (!(await this.rules.softDelete(tenantId, id))) throw notFound(RULE);
  }

  /** The rule's firings, newest first: alerts sent and those suppressed by quiet hours. */
  async firings(tenantId: string, id: string): Promise<HealthAlertFiring[]> {
    await this.get(tenantId, id);
    return this.rules.firings(tenantId, id, HEALTH_ALERT_FIRINGS_SHOWN);
  }

  /** A 400 naming each listed id that is not a connection of this tenant (another tenant's looks the same as none). */
  private async checkConnections(tenantId: string, connectionIds: readonly string[]): Promise<void> {
    const foreign = new Set(await this.rules.foreignConnections(tenantId, connectionIds));
    if (foreign.size === 0) return;
    throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', {
      issues: connectionIds.flatMap((id, i) => (foreign.has(id) ? [{ path: `connectionIds.${i}`, message: `${id} is not a connection of this tenant` }] : [])),
    });
  }
}
