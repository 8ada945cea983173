import { Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, OperatorOnly, RequireScope } from '@sb/auth';
import { TenantBillingService } from '@sb/billing';
import type { Actor } from '@sb/core';
import { DocumentBody, DocumentResponse, IdParam, ValidBody } from '@sb/http';
import { assignedTermsSchema, tenantBillingBodySchema, tenantBillingSchema, type TenantBillingBody } from './billing-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

@ApiTags('billing')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/tenants')
export class TenantBillingController {
  constructor(private readonly billing: TenantBillingService) {}

  @Put(':id/billing')
  @OperatorOnly()
  @ApiOperation({
    summary: 'Assign a plan, billing timezone, anchor day and currency to a tenant (operator)',
    description:
      'A tenant’s first terms apply from the start of the current period under the new schedule; any later change applies from the next period. Unknown plan: 404; currency not the plan’s: 400 `currency_mismatch`; timezone not IANA: 400.',
  })
  @DocumentBody(tenantBillingBodySchema)
  @DocumentResponse(assignedTermsSchema)
  async assign(@CurrentActor() actor: Actor, @IdParam('Tenant') id: string, @ValidBody(tenantBillingBodySchema) body: TenantBillingBody) {
    const t = await this.billing.assign(actor, id, body);
    return { tenantId: t.tenantId, planId: t.planId, planVersion: t.planVersion, timezone: t.timezone, anchorDay: t.anchorDay, currency: t.currency, graceMinutes: t.graceMinutes, effectiveFrom: t.effectiveFrom };
  }

  @Get(':id/billing')
  @RequireScope({ admin: 'usage:read' }, { operator: true })
  @ApiOperation({ summary: 'A tenant’s billing terms: in force, upcoming, history, and the current period' })
  @DocumentResponse(tenantBillingSchema)
  view(@CurrentActor() actor: Actor, @IdParam('Tenant') id: string) {
    return this.billing.view(actor, id);
  }
}
