import { Module } from '@nestjs/common';
import { AuditModule } from '@sb/audit';
import { EventsModule } from '@sb/events';
import { WebhookEndpointService } from './webhook-endpoint.service';

@Module({
  imports: [EventsModule, AuditModule],
  providers: [WebhookEndpointService],
  exports: [WebhookEndpointService],
})
export class WebhookEndpointsModule {}
