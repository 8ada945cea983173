import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireScope } from '@sb/auth';
import type { Actor } from '@sb/core';
import { DocumentBody, IdParam, ValidBody, ValidQuery, DocumentResponse } from '@sb/http';
import {
  attemptsQuerySchema,
  createEndpointSchema,
  deliveriesQuerySchema,
  replaySchema,
  updateEndpointSchema,
  webhookDeliveryView,
  webhookEndpointView,
  WebhookEndpointService,
  type AttemptsQuery,
  type CreateEndpointInput,
  type DeliveriesQuery,
  type ReplayInput,
  type UpdateEndpointInput,
} from '@sb/webhooks';
import { tenantOf } from './tenant-of';
import { z } from 'zod';
import { dataOf, webhookAttemptPageSchema, webhookDeliveryPageSchema, webhookEndpointSchema, webhookEndpointWithSecretSchema } from './response-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

const ADMIN = { admin: 'admin:webhooks' } as const;
const ENDPOINT = 'Webhook endpoint';

/** Webhook endpoints. The signing secret is in the create and rotate responses only. */
@ApiTags('webhooks')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointService) {}

  @Post()
  @RequireScope(ADMIN)
  @ApiOperation({ summary: 'Register an endpoint; the response carries its whsec_ signing secret, this once' })
  @DocumentBody(createEndpointSchema)
  @DocumentResponse(webhookEndpointWithSecretSchema, 201)
  async create(@CurrentActor() actor: Actor, @ValidBody(createEndpointSchema) body: CreateEndpointInput) {
    const { endpoint, secret } = await this.endpoints.create(actor, tenantOf(actor), body);
    return { ...webhookEndpointView(endpoint), secret };
  }

  @Get()
  @RequireScope({ admin: 'webhooks:read' })
  @ApiOperation({ summary: "List the tenant's endpoints" })
  @DocumentResponse(dataOf(webhookEndpointSchema))
  async list(@CurrentActor() actor: Actor) {
    return { data: (await this.endpoints.list(tenantOf(actor))).map(webhookEndpointView) };
  }

  @Get(':id')
  @RequireScope({ admin: 'webhooks:read' })
  @ApiOperation({ summary: 'Read an endpoint (never its secret)' })
  @DocumentResponse(webhookEndpointSchema)
  async get(@CurrentActor() actor: Actor, @IdParam(ENDPOINT) id: string) {
    return webhookEndpointView(await this.endpoints.get(tenantOf(actor), id));
  }

  @Patch(':id')
  @RequireScope(ADMIN)
  @ApiOperation({ summary: 'Update the URL (validated again), event types, description, payload or ordering' })
  @DocumentBody(updateEndpointSchema)
  @DocumentResponse(webhookEndpointSchema)
  async update(@CurrentActor() actor: Actor, @IdParam(ENDPOINT) id: string, @ValidBody(updateEndpointSchema) body: UpdateEndpointInput) {
    return webhookEndpointView(await this.endpoints.update(actor, tenantOf(actor), id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope(ADMIN)
  @ApiOperation({ summary: 'Delete an endpoint with its deliveries and attempts' })
  async delete(@CurrentActor() actor: Actor, @IdParam(ENDPOINT) id: string) {
    await this.endpoints.delete(actor, tenantOf(actor), id);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @RequireScope(ADMIN)
  @ApiOperation({ summary: 'Stop deliveries to the endpoint' })
  @DocumentResponse(webhookEndpointSchema)
  async disable(@CurrentActor() actor: Actor, @IdParam(ENDPOINT) id: string) {
    return webhookEndpointView(await this.endpoints.disable(actor, tenantOf(actor), id));
  }

  @Post(':id/enable')
  @HttpCode(200)
  @RequireScope(ADMIN)
  @ApiOperation({ summary: 'Resume deliveries to the endpoint' })
  @DocumentResponse(webhookEndpointSchema)
  async enable(@CurrentActor() actor: Actor, @IdParam(ENDPOINT) id: string) {
    return webhookEndpointView(await this.endpoints.enable(actor, tenantOf(actor), id));
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @RequireScope(ADMIN)
  @ApiOperation({ summary: 'New signing secret, in this response only; the previous one also signs for 24 hours' })
  @DocumentResponse(webhookEndpointWithSecretSchema)
  async rotateSecret(@CurrentActor() actor: Actor, @IdParam(ENDPOINT) id: string) {
    const { endpoint, secret } = await this.endpoints.rotateSecret(actor, tenantOf(actor), id);
    return { ...webhookEndpointView(endpoint), secret };
  }

  @Post(':id/test')
  @HttpCode(202)
  @RequireScope(ADMIN)
  @ApiOperation({ summary: 'Send an endpoint.test event to this endpoint only' })
  @DocumentResponse(z.object({ eventId: z.uuid() }), 202)
  test(@CurrentActor() actor: Actor, @IdParam(ENDPOINT) id: string) {
    return this.endpoints.sendTest(tenantOf(actor), id);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @RequireScope(ADMIN)
  @ApiOperation({ summary: 'Deliver again every event since a time (until, eventTypes optional) that the endpoint subscribes to' })
  @DocumentBody(replaySchema)
  @DocumentResponse(z.object({ scheduled: z.number().int() }), 202)
  replay(@CurrentActor() actor: Actor, @IdParam(ENDPOINT) id: string, @ValidBody(replaySchema) body: ReplayInput) {
    return this.endpoints.replay(tenantOf(actor), id, body);
  }

  @Post(':id/replay/:eventId')
  @HttpCode(202)
  @RequireScope(ADMIN)
  @ApiOperation({ summary: 'Deliver one event again' })
  @DocumentResponse(z.object({ eventId: z.uuid(), deliveryId: z.uuid() }), 202)
  async replayOne(@CurrentActor() actor: Actor, @IdParam(ENDPOINT) id: string, @IdParam('Event', 'eventId') eventId: string) {
    return { eventId, ...(await this.endpoints.replayOne(tenantOf(actor), id, eventId)) };
  }

  @Get(':id/attempts')
  @RequireScope({ admin: 'webhooks:read' })
  @ApiOperation({ summary: 'Delivery attempts, newest first (limit, before = the previous page’s next; eventId = only the attempts at that event’s delivery)' })
  @DocumentResponse(webhookAttemptPageSchema)
  attempts(@CurrentActor() actor: Actor, @IdParam(ENDPOINT) id: string, @ValidQuery(attemptsQuerySchema) query: AttemptsQuery) {
    return this.endpoints.listAttempts(tenantOf(actor), id, query);
  }

  @Get(':id/deliveries')
  @RequireScope({ admin: 'webhooks:read' })
  @ApiOperation({ summary: 'Deliveries, newest first (limit, before = the previous page’s next); status=failed lists the dead letters; eventId = that event’s delivery' })
  @DocumentResponse(webhookDeliveryPageSchema)
  async deliveries(@CurrentActor() actor: Actor, @IdParam(ENDPOINT) id: string, @ValidQuery(deliveriesQuerySchema) query: DeliveriesQuery) {
    const page = await this.endpoints.listDeliveries(tenantOf(actor), id, query);
    return { data: page.data.map(webhookDeliveryView), next: page.next };
  }
}
