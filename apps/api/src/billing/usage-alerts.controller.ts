import { Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireScope } from '@sb/auth';
import { UsageAlertRulesService } from '@sb/billing';
import type { Actor } from '@sb/core';
import { DocumentBody, DocumentResponse, IdParam, ValidBody, ValidQuery } from '@sb/http';
import { z } from 'zod';
import { actingTenant, alertRuleSchema, alertTenantQuerySchema, createAlertRuleSchema, type CreateAlertRuleBody } from './corrections-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

@ApiTags('billing')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/usage/alerts')
export class UsageAlertRulesController {
  constructor(private readonly rules: UsageAlertRulesService) {}

  @Post()
  @HttpCode(201)
  @RequireScope({ admin: 'usage:read' }, { operator: true })
  @ApiOperation({
    summary: 'Create a usage alert rule: `usage.threshold_crossed` is sent once per billing period when the metric reaches the threshold',
    description:
      '`units`: billable units (with adjustments); `amount`: the draft invoice’s total, or one class’s lines; `includedPercent`: billable units ÷ the plan’s included units of `class` × 100; ' +
      '`projectedSpend`: the amount to date ÷ the elapsed fraction of the period (evaluated after the first day). Optional `connectionId` (units and includedPercent) and `class` narrow it.',
  })
  @DocumentBody(createAlertRuleSchema)
  @DocumentResponse(alertRuleSchema, 201)
  async create(@CurrentActor() actor: Actor, @ValidBody(createAlertRuleSchema) body: CreateAlertRuleBody) {
    const { tenantId, ...rule } = body;
    return this.rules.create(actingTenant(actor, tenantId), rule);
  }

  @Get()
  @RequireScope({ admin: 'usage:read' }, { operator: true })
  @ApiOperation({ summary: 'The tenant’s usage alert rules, each with its latest firing' })
  @DocumentResponse(z.object({ data: z.array(alertRuleSchema) }))
  async list(@CurrentActor() actor: Actor, @ValidQuery(alertTenantQuerySchema) query: z.output<typeof alertTenantQuerySchema>) {
    return { data: await this.rules.list(actingTenant(actor, query.tenantId)) };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope({ admin: 'usage:read' }, { operator: true })
  @ApiOperation({ summary: 'Delete a usage alert rule (it stops firing; its past firings stay)' })
  async remove(@CurrentActor() actor: Actor, @IdParam('Alert rule') id: string, @ValidQuery(alertTenantQuerySchema) query: z.output<typeof alertTenantQuerySchema>) {
    await this.rules.remove(actingTenant(actor, query.tenantId), id);
  }
}
