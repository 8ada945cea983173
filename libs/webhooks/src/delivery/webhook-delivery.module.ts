import { Module } from '@nestjs/common';
import { WebhookDeliverer } from './webhook-deliverer';
import { WebhookRelay } from './webhook-relay';

/** The worker side of webhooks: the relay loop, which claims deliveries and makes their attempts in process (needs DbModule and QueueModule). */
@Module({ providers: [WebhookDeliverer, WebhookRelay], exports: [WebhookDeliverer, WebhookRelay] })
export class WebhookDeliveryModule {}
