import { Module } from '@nestjs/common';
import { EventsModule } from '@sb/events';
import { WebhookEndpointService } from './webhook-endpoint.service';

@Module({
  imports: [EventsModule],
  providers: [WebhookEndpointService],
  exports: [WebhookEndpointService],
})
export class WebhookEndpointsModule {}
