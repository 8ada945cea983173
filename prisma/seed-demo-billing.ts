/**
 * The demo tenant's billing: a usage-based plan and terms (New York, anchor day 1, USD), so the
 * console's finance pages have a plan to price against from the first start. The demo's
 * connections are sandboxes, never billable: its invoice preview shows the minimum commitment's
 * true-up until a production connection carries traffic. Idempotent: a tenant with terms is left alone.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { PlansService, TenantBillingService, type PlanDefinition } from '@sb/billing';
import type { Actor } from '@sb/core';

const DEMO_PLAN_NAME = 'Demo usage-based';
const OPERATOR: Actor = { type: 'operator', id: 'operator' };

const DEMO_PLAN: PlanDefinition & { name: string } = {
  name: DEMO_PLAN_NAME,
  currency: 'USD',
  components: [
    { class: 'fhir.read', model: 'graduated', tiers: [{ upTo: 1000, unitPrice: '0.10' }, { upTo: 10000, unitPrice: '0.05' }, { upTo: null, unitPrice: '0.01' }] },
    { class: 'fhir.search', model: 'unit', unitPrice: '0.02', includedUnits: 1000 },
    { class: 'fhir.write', model: 'unit', unitPrice: '0.05' },
    { class: 'hl7.in', model: 'unit', unitPrice: '0.01', includedUnits: 10000 },
    { class: 'hl7.out', model: 'unit', unitPrice: '0.02' },
    { class: 'activeConnection', model: 'unit', unitPrice: '50.00' },
    { class: 'distinctPatient', model: 'unit', unitPrice: '0.10' },
    { class: 'connectionGoLive', model: 'unit', unitPrice: '250.00' },
  ],
  minimumCommitment: '500.00',
};

export async function seedDemoBilling(app: INestApplicationContext, tenantId: string): Promise<void> {
  const billing = app.get(TenantBillingService);
  if ((await billing.history(tenantId)).length > 0) return;
  const plans = app.get(PlansService);
  const existing = (await plans.list()).find((p) => p.name === DEMO_PLAN_NAME);
  const planId = existing?.id ?? (await plans.create(OPERATOR, DEMO_PLAN)).id;
  await billing.assign(OPERATOR, tenantId, { planId, timezone: 'America/New_York', anchorDay: 1, currency: 'USD', graceMinutes: 60 });
}
