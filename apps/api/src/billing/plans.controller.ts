import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, OperatorOnly, ReadOnlyAction } from '@sb/auth';
import { planCreateSchema, planVersionSchema, PlansService, type PlanDefinition } from '@sb/billing';
import type { Actor } from '@sb/core';
import { DocumentBody, DocumentResponse, IdParam, ValidBody } from '@sb/http';
import type { z } from 'zod';
import { itemsOf } from '../admin/response-schemas';
import { planCreatedSchema, planDetailSchema, planSummarySchema, planVersionCreatedSchema, quoteBodySchema, quoteSchema, type QuoteBody } from './billing-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

@ApiTags('billing')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Post()
  @OperatorOnly()
  @ApiOperation({ summary: 'Create a priced plan and its version 1 (operator)', description: 'Components per class (unit, graduated, volume, package), included units, minimum commitment, cap. Invalid definitions are a 400 naming each path; nothing is written.' })
  @DocumentBody(planCreateSchema)
  @DocumentResponse(planCreatedSchema, 201)
  create(@CurrentActor() actor: Actor, @ValidBody(planCreateSchema) body: z.output<typeof planCreateSchema>) {
    return this.plans.create(actor, body);
  }

  @Get()
  @OperatorOnly()
  @ApiOperation({ summary: 'Every plan with its latest version number (operator)' })
  @DocumentResponse(itemsOf(planSummarySchema))
  async list() {
    return { items: await this.plans.list() };
  }

  @Get(':id')
  @OperatorOnly()
  @ApiOperation({ summary: 'A plan with every version, oldest first (operator)' })
  @DocumentResponse(planDetailSchema)
  get(@IdParam('Plan') id: string) {
    return this.plans.get(id);
  }

  @Post(':id/versions')
  @OperatorOnly()
  @ApiOperation({
    summary: 'Write the plan’s next version (operator)',
    description: 'Versions never change. Tenants on the plan keep their version for the period under way and move to the new one from their next period (one audit record each).',
  })
  @DocumentBody(planVersionSchema)
  @DocumentResponse(planVersionCreatedSchema, 201)
  addVersion(@CurrentActor() actor: Actor, @IdParam('Plan') id: string, @ValidBody(planVersionSchema) body: PlanDefinition) {
    return this.plans.addVersion(actor, id, body);
  }

  @Post(':id/quote')
  @HttpCode(200)
  @OperatorOnly()
  @ReadOnlyAction()
  @ApiOperation({ summary: 'Price a hypothetical period under the plan (operator); nothing is written', description: 'Each line shows its computation (tiers, quantities, unit prices).' })
  @DocumentBody(quoteBodySchema)
  @DocumentResponse(quoteSchema)
  async quote(@IdParam('Plan') id: string, @ValidBody(quoteBodySchema) body: QuoteBody) {
    const { version, ...quantities } = body;
    const { planId, version: used, currency, lines, subtotal, total } = await this.plans.quote(id, quantities, version);
    return { planId, version: used, currency, lines, subtotal, total };
  }
}
