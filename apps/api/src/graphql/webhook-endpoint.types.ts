import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { WEBHOOK_ORDERING_MODES, WEBHOOK_PAYLOAD_MODES } from '@sb/webhooks';

/** GraphQL enums from the lists the zod schemas use, so the two cannot drift. */
const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const WebhookPayloadEnum = enumOf(WEBHOOK_PAYLOAD_MODES);
export const WebhookOrderingEnum = enumOf(WEBHOOK_ORDERING_MODES);
export const WebhookEndpointStatusEnum = enumOf(['enabled', 'disabled'] as const);
export const WebhookAttemptStatusEnum = enumOf(['succeeded', 'failed'] as const);
export const WebhookDeliveryStatusEnum = enumOf(['pending', 'succeeded', 'failed'] as const);

registerEnumType(WebhookPayloadEnum, { name: 'WebhookPayload', description: 'thin: references only (default); full: with the FHIR resources' });
registerEnumType(WebhookOrderingEnum, { name: 'WebhookOrdering', description: "patient: one patient's events in order; none: parallel (default)" });
registerEnumType(WebhookEndpointStatusEnum, { name: 'WebhookEndpointStatus' });
registerEnumType(WebhookAttemptStatusEnum, { name: 'WebhookAttemptStatus', description: 'succeeded: a 2xx answer' });
registerEnumType(WebhookDeliveryStatusEnum, { name: 'WebhookDeliveryStatus', description: 'failed: retries exhausted (a dead letter, replayable)' });

@ObjectType('WebhookAttempt', { description: 'One delivery attempt: its outcome and the start of the receiver’s answer' })
export class WebhookAttemptModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) eventId!: string;
  @Field(() => ID) deliveryId!: string;
  @Field(() => WebhookAttemptStatusEnum) status!: string;
  @Field(() => Int, { nullable: true }) statusCode!: number | null;
  @Field(() => Int) durationMs!: number;
  @Field(() => String, { nullable: true, description: 'A code such as timeout or connection_refused' }) error!: string | null;
  @Field(() => String, { nullable: true, description: 'The first 512 characters of the response body (UTF-8, control characters stripped); null when it had none' })
  responseExcerpt!: string | null;
  @Field() attemptedAt!: Date;
}

@ObjectType('WebhookAttemptPage')
export class WebhookAttemptPageModel {
  @Field(() => [WebhookAttemptModel]) data!: WebhookAttemptModel[];
  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page; null on the last' }) next!: string | null;
}

@ObjectType('WebhookDelivery', { description: 'One event for one endpoint' })
export class WebhookDeliveryModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) eventId!: string;
  @Field(() => String, { nullable: true }) eventType!: string | null;
  @Field(() => WebhookDeliveryStatusEnum) status!: string;
  @Field(() => Int) attempts!: number;
  @Field() nextAttemptAt!: Date;
  @Field(() => Int, { nullable: true }) lastStatusCode!: number | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) completedAt!: Date | null;
}

@ObjectType('WebhookEndpoint', { description: 'Where the tenant receives events; its secret is never readable' })
export class WebhookEndpointModel {
  @Field(() => ID) id!: string;
  @Field() url!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => [String], { description: 'Event types, or "*" for all' }) eventTypes!: string[];
  @Field(() => WebhookPayloadEnum) payload!: string;
  @Field(() => WebhookOrderingEnum) orderingKey!: string;
  @Field(() => WebhookEndpointStatusEnum) status!: string;
  @Field(() => String, { nullable: true, description: 'manual, gone (HTTP 410) or failing' }) disabledReason!: string | null;
  @Field(() => Date, { nullable: true, description: 'Until when the secret before the last rotation still signs' }) previousSecretExpiresAt!: Date | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@ObjectType('WebhookEndpointWithSecret', { description: 'The answer to create and rotate: the only time the secret is shown' })
export class WebhookEndpointWithSecretModel {
  @Field(() => WebhookEndpointModel) endpoint!: WebhookEndpointModel;
  @Field({ description: 'whsec_…: verify deliveries with it (Standard Webhooks)' }) secret!: string;
}

@ObjectType('WebhookTestResult')
export class WebhookTestResultModel {
  @Field(() => ID, { description: 'The endpoint.test event; also the webhook-id header of its delivery' }) eventId!: string;
}

@ObjectType('WebhookReplayResult')
export class WebhookReplayResultModel {
  @Field(() => Int) scheduled!: number;
}

// Shapes only: the resolver validates with the REST API's zod schemas.

@InputType('CreateWebhookEndpointInput')
export class CreateWebhookEndpointInputType {
  @Field() url!: string;
  @Field(() => [String]) eventTypes!: string[];
  @Field({ nullable: true }) description?: string;
  @Field(() => WebhookPayloadEnum, { nullable: true }) payload?: string;
  @Field(() => WebhookOrderingEnum, { nullable: true }) orderingKey?: string;
}

@InputType('UpdateWebhookEndpointInput', { description: 'Omitted fields are left as they are' })
export class UpdateWebhookEndpointInputType {
  @Field({ nullable: true }) url?: string;
  @Field(() => [String], { nullable: true }) eventTypes?: string[];
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => WebhookPayloadEnum, { nullable: true }) payload?: string;
  @Field(() => WebhookOrderingEnum, { nullable: true }) orderingKey?: string;
}

@InputType('ReplayWebhookEventsInput')
export class ReplayWebhookEventsInputType {
  @Field({ description: 'ISO 8601 date-time' }) since!: string;
  @Field({ nullable: true }) until?: string;
  @Field(() => [String], { nullable: true }) eventTypes?: string[];
}
