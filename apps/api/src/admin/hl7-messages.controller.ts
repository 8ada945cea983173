import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentActor, ReadOnlyAction, RequireScope } from '@sb/auth';
import { ConnectionService } from '@sb/connections';
import { ErrorCode, SbError, scopesGrant, type Actor } from '@sb/core';
import type { Connection } from '@sb/db';
import { Hl7MessageLogService, Hl7PreviewService, messageLogQuerySchema, messageSearchSchema, previewRequestSchema, type MessageLogQuery, type PreviewRequest } from '@sb/hl7-processing';
import { DocumentBody, IdParam, ValidBody, ValidQuery, DocumentResponse } from '@sb/http';
import { WebhookEndpointService } from '@sb/webhooks';
import { z } from 'zod';
import { tenantOf } from './tenant-of';
import { messageEventsSchema, hl7MessageDetailSchema, hl7MessagePageSchema, hl7MessageSummarySchema, hl7OutboundSchema, itemsOf, previewResultSchema } from './response-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

const outboundQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

@ApiTags('hl7')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/connections/:id/hl7')
export class Hl7MessagesController {
  constructor(
    private readonly connections: ConnectionService,
    private readonly log: Hl7MessageLogService,
    private readonly previews: Hl7PreviewService,
    private readonly webhooks: WebhookEndpointService,
  ) {}

  @Get('messages')
  @RequireScope({ admin: 'connections:read' })
  @ApiOperation({
    summary: 'Inbound message log, newest first: type, control id, status, error code (and its meaning) and times — never message content',
    description:
      'Filters: `status`, `type`, `controlId` (MSH-10, exact), `from`/`to` (received at, ISO 8601 date-times, inclusive). ' +
      'To find a patient\'s messages by identifier, use `POST …/hl7/messages/search` (a patient identifier is PHI and never goes in a URL).',
  })
  @DocumentResponse(hl7MessagePageSchema)
  async list(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @ValidQuery(messageLogQuerySchema) query: MessageLogQuery) {
    return this.log.list(actor, await this.hl7Connection(actor, id), query);
  }

  @Post('messages/search')
  @HttpCode(200)
  @ReadOnlyAction()
  @RequireScope({ admin: 'connections:read' })
  @ApiOperation({
    summary: 'The message log filtered in the request body, including by `patientIdentifier` (PHI, so never in a URL)',
    description:
      'The filters of `GET …/hl7/messages` plus `patientIdentifier` (a patient identifier value such as an MRN, any authority). ' +
      '`patientIdentifier` is a patient search: it needs a scope that searches Patient (403 `forbidden` otherwise) and is audited.',
  })
  @DocumentBody(messageSearchSchema)
  @DocumentResponse(hl7MessagePageSchema)
  async search(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @ValidBody(messageSearchSchema) body: MessageLogQuery) {
    return this.log.list(actor, await this.hl7Connection(actor, id), body);
  }

  @Get('messages/:messageId')
  @Authenticated()
  @ApiOperation({ summary: 'One inbound message with its raw text, ACKs, the FHIR resources processing produced and the meaning of its error code (PHI: needs a read scope on MessageHeader; audited)' })
  @DocumentResponse(hl7MessageDetailSchema)
  async read(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @IdParam('HL7 message', 'messageId') messageId: string) {
    return this.log.read(actor, await this.hl7Connection(actor, id), messageId);
  }

  @Get('messages/:messageId/events')
  @RequireScope({ admin: 'connections:read' })
  @ApiOperation({
    summary: 'The events a message raised (every processing of it, newest first) and, per endpoint, its webhook delivery and latest attempts — metadata only',
    description:
      'Each event: id (the `webhook-id` of its deliveries), type, timestamp, relayedAt (null while still in the outbox) and `deliveries`: one per endpoint ' +
      'that subscribes to its type or received it, with the delivery (null when none was made) and up to 5 latest attempts. `deliveries` is null ' +
      'and `deliveriesHidden` true for callers without `webhooks:read`.',
  })
  @DocumentResponse(messageEventsSchema)
  async events(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @IdParam('HL7 message', 'messageId') messageId: string) {
    const connection = await this.hl7Connection(actor, id);
    const events = await this.log.eventsOf(connection, messageId);
    const deliveriesHidden = actor.type === 'operator' || !scopesGrant(actor.scopes, { admin: 'webhooks:read' });
    const trails = deliveriesHidden ? null : await this.webhooks.deliveryTrails(connection.tenantId, events);
    return {
      items: events.map((e) => ({ id: e.id, type: e.type, version: e.version, timestamp: e.timestamp, relayedAt: e.relayedAt, deliveries: trails ? (trails.get(e.id) ?? []) : null })),
      deliveriesHidden,
    };
  }

  @Post('messages/:messageId/reprocess')
  @HttpCode(202)
  @RequireScope({ admin: 'admin:connections' })
  @ApiOperation({ summary: 'Run a processed or failed message through processing again (e.g. after a dialect change)' })
  @DocumentResponse(hl7MessageSummarySchema, 202)
  async reprocess(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @IdParam('HL7 message', 'messageId') messageId: string) {
    return this.log.reprocess(await this.hl7Connection(actor, id), messageId);
  }

  @Get('outbound')
  @RequireScope({ admin: 'connections:read' })
  @ApiOperation({ summary: 'Outbound orders and notes, newest first: status, attempts and the site’s ACK code and error text' })
  @DocumentResponse(itemsOf(hl7OutboundSchema))
  async outbound(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @ValidQuery(outboundQuerySchema) query: z.infer<typeof outboundQuerySchema>) {
    return { items: await this.log.listOutbound(await this.hl7Connection(actor, id), query.limit) };
  }

  @Post('preview')
  @ReadOnlyAction()
  @HttpCode(200)
  @RequireScope({ admin: 'admin:connections' })
  @ApiOperation({ summary: 'Dry-run a message and/or a candidate dialect: FHIR output, the diff against the current dialect, and a replay of the last N stored messages' })
  @DocumentBody(previewRequestSchema)
  @DocumentResponse(previewResultSchema)
  async preview(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @ValidBody(previewRequestSchema) body: PreviewRequest) {
    return this.previews.preview(await this.hl7Connection(actor, id), body);
  }

  private async hl7Connection(actor: Actor, id: string): Promise<Connection> {
    const connection = await this.connections.get(tenantOf(actor), id);
    if (connection.vendor !== 'hl7v2') throw new SbError(ErrorCode.Conflict, 'Not an HL7 v2 connection', { details: { vendor: connection.vendor } });
    return connection;
  }
}
