import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireScope } from '@sb/auth';
import {
  createHealthAlertRuleSchema,
  healthAlertFiringSchema,
  healthAlertRuleSchema,
  healthAlertRuleView,
  HealthAlertRulesService,
  updateHealthAlertRuleSchema,
  type CreateHealthAlertRuleInput,
  type UpdateHealthAlertRuleInput,
} from '@sb/connection-health';
import type { Actor } from '@sb/core';
import { DocumentBody, DocumentResponse, IdParam, ValidBody } from '@sb/http';
import { itemsOf } from './response-schemas';
import { tenantOf } from './tenant-of';
import { AdminAudited } from '../console/admin-audit.interceptor';

/** The rules watch connections: reading them takes `connections:read`, changing them `admin:connections`. */
const READ = { admin: 'connections:read' } as const;
const MANAGE = { admin: 'admin:connections' } as const;
const RULE = 'Health alert rule';

/** Connection health alert rules (issue 16): which connections, which statuses, quiet hours; alerts arrive as `connection.health_alert` webhooks. */
@ApiTags('connections')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/health-alert-rules')
export class HealthAlertRulesController {
  constructor(private readonly rules: HealthAlertRulesService) {}

  @Post()
  @RequireScope(MANAGE)
  @ApiOperation({
    summary: 'Create a health alert rule: `connection.health_alert` is sent once per matching transition, except within the quiet hours',
    description:
      '`connectionIds`: the tenant’s connections watched (empty or absent: all, including later ones); `to`: the statuses whose arrival alerts (`degraded`, `down`, `healthy` = recovery); ' +
      '`quietHours`: `{from, to, timezone}` wall-clock HH:MM in an IANA zone, `from` later than `to` crossing midnight — transitions then are recorded as suppressed, without an event.',
  })
  @DocumentBody(createHealthAlertRuleSchema)
  @DocumentResponse(healthAlertRuleSchema, 201)
  async create(@CurrentActor() actor: Actor, @ValidBody(createHealthAlertRuleSchema) body: CreateHealthAlertRuleInput) {
    return healthAlertRuleView(await this.rules.create(tenantOf(actor), body));
  }

  @Get()
  @RequireScope(READ)
  @ApiOperation({ summary: 'The tenant’s health alert rules, oldest first' })
  @DocumentResponse(itemsOf(healthAlertRuleSchema))
  async list(@CurrentActor() actor: Actor) {
    return { items: (await this.rules.list(tenantOf(actor))).map(healthAlertRuleView) };
  }

  @Get(':id')
  @RequireScope(READ)
  @ApiOperation({ summary: 'Read a health alert rule' })
  @DocumentResponse(healthAlertRuleSchema)
  async get(@CurrentActor() actor: Actor, @IdParam(RULE) id: string) {
    return healthAlertRuleView(await this.rules.get(tenantOf(actor), id));
  }

  @Get(':id/firings')
  @RequireScope(READ)
  @ApiOperation({ summary: 'The rule’s firings, newest first (at most 100): the alerts it sent and the transitions its quiet hours suppressed' })
  @DocumentResponse(itemsOf(healthAlertFiringSchema))
  async firings(@CurrentActor() actor: Actor, @IdParam(RULE) id: string) {
    return { items: await this.rules.firings(tenantOf(actor), id) };
  }

  @Patch(':id')
  @RequireScope(MANAGE)
  @ApiOperation({ summary: 'Change a rule’s name, connections, statuses or quiet hours (`quietHours: null` removes them); it applies from the next transition' })
  @DocumentBody(updateHealthAlertRuleSchema)
  @DocumentResponse(healthAlertRuleSchema)
  async update(@CurrentActor() actor: Actor, @IdParam(RULE) id: string, @ValidBody(updateHealthAlertRuleSchema) body: UpdateHealthAlertRuleInput) {
    return healthAlertRuleView(await this.rules.update(tenantOf(actor), id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope(MANAGE)
  @ApiOperation({ summary: 'Delete a health alert rule (it stops alerting; its sent events stay)' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  async remove(@CurrentActor() actor: Actor, @IdParam(RULE) id: string) {
    await this.rules.remove(tenantOf(actor), id);
  }
}
