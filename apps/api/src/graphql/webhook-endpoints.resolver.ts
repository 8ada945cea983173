import { Args, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentActor, RequireScope } from '@sb/auth';
import type { Actor } from '@sb/core';
import { IdPipe, ZodPipe } from '@sb/http';
import {
  attemptsQuerySchema,
  createEndpointSchema,
  deliveriesQuerySchema,
  replaySchema,
  updateEndpointSchema,
  webhookDeliveryView,
  webhookEndpointView,
  WebhookEndpointService,
  type CreateEndpointInput,
  type UpdateEndpointInput,
} from '@sb/webhooks';
import { tenantOf } from '../admin/tenant-of';
import {
  CreateWebhookEndpointInputType,
  ReplayWebhookEventsInputType,
  UpdateWebhookEndpointInputType,
  WebhookAttemptPageModel,
  WebhookDeliveryModel,
  WebhookDeliveryStatusEnum,
  WebhookEndpointModel,
  WebhookEndpointWithSecretModel,
  WebhookReplayResultModel,
  WebhookTestResultModel,
} from './webhook-endpoint.types';
import { AdminAudited } from '../console/admin-audit.interceptor';

const ADMIN = { admin: 'admin:webhooks' } as const;
const EndpointId = (name = 'id'): ParameterDecorator => Args(name, { type: () => ID }, new IdPipe('Webhook endpoint'));

/** Webhook endpoints over GraphQL; same service, schemas and errors as REST. */
@AdminAudited()
@Resolver(() => WebhookEndpointModel)
export class WebhookEndpointsResolver {
  constructor(private readonly endpoints: WebhookEndpointService) {}

  @Query(() => [WebhookEndpointModel], { name: 'webhookEndpoints', complexity: 10, description: "The tenant's webhook endpoints" })
  @RequireScope({ admin: 'webhooks:read' })
  async list(@CurrentActor() actor: Actor): Promise<WebhookEndpointModel[]> {
    return (await this.endpoints.list(tenantOf(actor))).map(webhookEndpointView);
  }

  @Query(() => WebhookEndpointModel, { name: 'webhookEndpoint', description: 'Unknown ids are an error (not_found), as on REST' })
  @RequireScope({ admin: 'webhooks:read' })
  async get(@CurrentActor() actor: Actor, @EndpointId() id: string): Promise<WebhookEndpointModel> {
    return webhookEndpointView(await this.endpoints.get(tenantOf(actor), id));
  }

  @Mutation(() => WebhookEndpointWithSecretModel, { description: 'Register an endpoint; the answer carries its signing secret, this once' })
  @RequireScope(ADMIN)
  async createWebhookEndpoint(
    @CurrentActor() actor: Actor,
    @Args('input', { type: () => CreateWebhookEndpointInputType }, new ZodPipe(createEndpointSchema)) input: CreateEndpointInput,
  ): Promise<WebhookEndpointWithSecretModel> {
    const { endpoint, secret } = await this.endpoints.create(actor, tenantOf(actor), input);
    return { endpoint: webhookEndpointView(endpoint), secret };
  }

  @Mutation(() => WebhookEndpointModel, { description: 'Update an endpoint (a new URL is validated again)' })
  @RequireScope(ADMIN)
  async updateWebhookEndpoint(
    @CurrentActor() actor: Actor,
    @EndpointId() id: string,
    @Args('input', { type: () => UpdateWebhookEndpointInputType }, new ZodPipe(updateEndpointSchema)) input: UpdateEndpointInput,
  ): Promise<WebhookEndpointModel> {
    return webhookEndpointView(await this.endpoints.update(actor, tenantOf(actor), id, input));
  }

  @Mutation(() => Boolean, { description: 'Delete an endpoint with its deliveries and attempts' })
  @RequireScope(ADMIN)
  async deleteWebhookEndpoint(@CurrentActor() actor: Actor, @EndpointId() id: string): Promise<boolean> {
    await this.endpoints.delete(actor, tenantOf(actor), id);
    return true;
  }

  @Mutation(() => WebhookEndpointModel, { description: 'Stop deliveries to the endpoint' })
  @RequireScope(ADMIN)
  async disableWebhookEndpoint(@CurrentActor() actor: Actor, @EndpointId() id: string): Promise<WebhookEndpointModel> {
    return webhookEndpointView(await this.endpoints.disable(actor, tenantOf(actor), id));
  }

  @Mutation(() => WebhookEndpointModel, { description: 'Resume deliveries to the endpoint' })
  @RequireScope(ADMIN)
  async enableWebhookEndpoint(@CurrentActor() actor: Actor, @EndpointId() id: string): Promise<WebhookEndpointModel> {
    return webhookEndpointView(await this.endpoints.enable(actor, tenantOf(actor), id));
  }

  @Mutation(() => WebhookEndpointWithSecretModel, { description: 'A new signing secret, shown this once; the previous one also signs for 24 hours' })
  @RequireScope(ADMIN)
  async rotateWebhookSecret(@CurrentActor() actor: Actor, @EndpointId() id: string): Promise<WebhookEndpointWithSecretModel> {
    const { endpoint, secret } = await this.endpoints.rotateSecret(actor, tenantOf(actor), id);
    return { endpoint: webhookEndpointView(endpoint), secret };
  }

  @Mutation(() => WebhookTestResultModel, { description: 'Send an endpoint.test event to this endpoint only' })
  @RequireScope(ADMIN)
  sendTestWebhook(@CurrentActor() actor: Actor, @EndpointId() id: string): Promise<WebhookTestResultModel> {
    return this.endpoints.sendTest(tenantOf(actor), id);
  }

  @Mutation(() => WebhookReplayResultModel, { description: 'Deliver again the events in a time range (or the one event `eventId`)' })
  @RequireScope(ADMIN)
  async replayWebhookEvents(
    @CurrentActor() actor: Actor,
    @EndpointId() id: string,
    @Args('input', { type: () => ReplayWebhookEventsInputType, nullable: true }) input: ReplayWebhookEventsInputType | null,
    @Args('eventId', { type: () => ID, nullable: true }) eventId: string | null,
  ): Promise<WebhookReplayResultModel> {
    const tenantId = tenantOf(actor);
    if (eventId !== null && eventId !== undefined) {
      await this.endpoints.replayOne(tenantId, id, new IdPipe('Event').transform(eventId));
      return { scheduled: 1 };
    }
    const range = new ZodPipe(replaySchema).transform(input ?? {});
    return this.endpoints.replay(tenantId, id, range);
  }

  // Field resolvers run without the global guard; the service looks the endpoint up
  // again in the actor's own tenant, so another tenant's endpoint is not_found.
  @ResolveField(() => WebhookAttemptPageModel, { complexity: 10, description: 'Delivery attempts, newest first' })
  attempts(
    @CurrentActor() actor: Actor,
    @Parent() endpoint: WebhookEndpointModel,
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<WebhookAttemptPageModel> {
    const query = new ZodPipe(attemptsQuerySchema).transform({ limit: first ?? undefined, before: after ?? undefined });
    return this.endpoints.listAttempts(tenantOf(actor), endpoint.id, query);
  }

  @ResolveField(() => [WebhookDeliveryModel], { complexity: 10, description: 'Deliveries, newest first; status failed = dead letters' })
  async deliveries(
    @CurrentActor() actor: Actor,
    @Parent() endpoint: WebhookEndpointModel,
    @Args('status', { type: () => WebhookDeliveryStatusEnum, nullable: true }) status: string | null,
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
  ): Promise<WebhookDeliveryModel[]> {
    const query = new ZodPipe(deliveriesQuerySchema).transform({ status: status ?? undefined, limit: first ?? undefined });
    return (await this.endpoints.listDeliveries(tenantOf(actor), endpoint.id, query)).data.map(webhookDeliveryView);
  }
}
