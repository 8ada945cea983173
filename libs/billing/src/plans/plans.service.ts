import { Injectable } from '@nestjs/common';
import { AuditService } from '@sb/audit';
import { billingPeriodAt, ErrorCode, foundOrFail, SbError, type Actor } from '@sb/core';
import { BillingPlanRepository, Database, type BillingPlan, type BillingPlanVersion, type DbTransaction, type TenantBillingTerms } from '@sb/db';
import { canonicalJson, sha256Hex } from '../documents';
import { ratePeriod, type PeriodQuantities, type PlanDefinition, type RatedPeriod } from '../rating';
import { appendBillingAudit } from './billing-audit';

/** A plan as created: its first version's number and definition. */
export interface CreatedPlan {
  id: string;
  version: number;
  name: string;
  currency: string;
  definition: PlanDefinition;
}

/** A plan with every version, oldest first. */
export interface PlanWithVersions extends BillingPlan {
  latestVersion: number;
  versions: BillingPlanVersion[];
}

/** A quote: a hypothetical period rated under one version of a plan. */
export interface PlanQuote extends RatedPeriod {
  planId: string;
  version: number;
}

/** The stored definition of a version: exactly what was validated (no name), so its hash is reproducible. */
const definitionOf = (input: PlanDefinition): PlanDefinition => ({
  currency: input.currency,
  components: input.components,
  ...(input.minimumCommitment === undefined ? {} : { minimumCommitment: input.minimumCommitment }),
  ...(input.cap === undefined ? {} : { cap: input.cap }),
});

/** A new version may be written for many tenants at once; give it room. */
const VERSION_TIMEOUT_MS = 60_000;

/**
 * Plans and their immutable versions (a trigger refuses UPDATE and DELETE of a version). Each
 * version stores the validated definition and the SHA-256 of its canonical JSON, so an
 * invoice names exactly the prices it used.
 */
@Injectable()
export class PlansService {
  constructor(
    private readonly db: Database,
    private readonly plans: BillingPlanRepository,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, input: PlanDefinition & { name: string }): Promise<CreatedPlan> {
    const definition = definitionOf(input);
    const { plan, version } = await this.db.transaction((tx) =>
      this.plans.createPlan(tx, { name: input.name, currency: definition.currency, definition, definitionHash: sha256Hex(canonicalJson(definition)), createdBy: actorRef(actor) }),
    );
    return { id: plan.id, version: version.version, name: plan.name, currency: plan.currency, definition };
  }

  list(): Promise<(BillingPlan & { latestVersion: number })[]> {
    return this.plans.listPlans();
  }

  async get(id: string): Promise<PlanWithVersions> {
    const plan = foundOrFail(await this.plans.findPlan(id), 'Plan');
    const versions = await this.plans.versions(id);
    return { ...plan, latestVersion: versions.at(-1)?.version ?? 0, versions };
  }

  /**
   * Writes the plan's next version. Tenants on the plan keep the version they are billed
   * under for the period under way: in the same transaction each of them gets terms pinning
   * the new version from its next period (a price change applies from the next period), and
   * an audit record in its chain.
   */
  async addVersion(actor: Actor, planId: string, input: PlanDefinition, now = new Date()): Promise<{ id: string; version: number }> {
    const plan = foundOrFail(await this.plans.findPlan(planId), 'Plan');
    if (input.currency !== plan.currency) {
      throw new SbError(ErrorCode.CurrencyMismatch, 'A new version must keep the plan’s currency', {
        issues: [{ path: 'currency', message: `the plan bills in ${plan.currency}` }],
        details: { planCurrency: plan.currency },
      });
    }
    const definition = definitionOf(input);
    return this.db.transaction(
      async (tx) => {
        const version = foundOrFail(await this.plans.addVersion(tx, planId, { definition, definitionHash: sha256Hex(canonicalJson(definition)), createdBy: actorRef(actor) }), 'Plan');
        for (const tenantId of await this.plans.tenantsWithPlan(planId, tx)) await this.repin(tx, actor, tenantId, version, now);
        return { id: planId, version: version.version };
      },
      { timeoutMs: VERSION_TIMEOUT_MS },
    );
  }

  /** Rates a hypothetical period under one version (the latest by default); nothing is written. */
  async quote(planId: string, quantities: PeriodQuantities, version?: number): Promise<PlanQuote> {
    foundOrFail(await this.plans.findPlan(planId), 'Plan');
    const found = foundOrFail(await this.plans.findVersion(planId, version), 'Plan version');
    return { planId, version: found.version, ...ratePeriod(found.definition as PlanDefinition, quantities) };
  }

  /**
   * One tenant and a new version of a plan: a tenant billed under the plan now, or about to
   * be (its latest terms name it), gets an audit record; when its latest terms name the plan,
   * a copy of them pinning the new version takes effect at the end of its current period.
   */
  private async repin(tx: DbTransaction, actor: Actor, tenantId: string, version: BillingPlanVersion, now: Date): Promise<void> {
    await this.plans.lockTenant(tx, tenantId);
    const history = await this.plans.terms(tenantId, tx);
    const current = billingPeriodAt(history, now);
    const latest = latestTerms(history);
    const onPlanNow = current.terms?.planId === version.planId;
    const latestOnPlan = latest?.planId === version.planId;
    if (!onPlanNow && !latestOnPlan) return;
    if (latest && latestOnPlan) {
      const effectiveFrom = latest.effectiveFrom > current.end ? latest.effectiveFrom : current.end;
      const { id: _id, createdAt: _createdAt, ...copy } = latest;
      await this.plans.insertTerms(tx, { ...copy, planVersion: version.version, effectiveFrom, createdBy: version.createdBy });
    }
    const objectRef = `billing/plans/${version.planId}/versions/${version.version}`;
    await appendBillingAudit(this.audit, tx, { tenantId, actor, operation: 'billing.plan_version', objectRef, at: now });
  }
}

/** The row that wins in the end: latest effectiveFrom, and of equal ones the last written. */
function latestTerms(history: readonly TenantBillingTerms[]): TenantBillingTerms | null {
  let latest: TenantBillingTerms | null = null;
  for (const terms of history) if (!latest || terms.effectiveFrom >= latest.effectiveFrom) latest = terms;
  return latest;
}

/** Who wrote a version or terms, as stored (`operator:operator`, `api-key:<id>`). */
export const actorRef = (actor: Pick<Actor, 'type' | 'id'>): string => `${actor.type}:${actor.id}`;
