import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireScope } from '@sb/auth';
import { foundOrFail, type Actor } from '@sb/core';
import { ConnectionRepository } from '@sb/db';
import { DocumentBody, IdParam, ValidBody } from '@sb/http';
import { EchoService } from '@sb/transactions';
import { z } from 'zod';
import { tenantOf } from './tenant-of';
import { connectionView } from './views';

const echoSchema = z.strictObject({
  message: z.string().max(16_384),
  /** The patient the call concerns, for the audit record (e.g. `Patient/123`). */
  patientRef: z
    .string()
    .regex(/^[A-Z][A-Za-z]+\/[A-Za-z0-9.-]{1,64}$/, 'a FHIR reference like Patient/123')
    .optional(),
});

@ApiTags('connections')
@ApiBearerAuth()
@Controller('v1/connections')
export class ConnectionsController {
  constructor(
    private readonly connections: ConnectionRepository,
    private readonly echoes: EchoService,
  ) {}

  @Get()
  @RequireScope({ admin: 'admin:connections' })
  @ApiOperation({ summary: "List the tenant's connections" })
  async list(@CurrentActor() actor: Actor) {
    return { items: (await this.connections.list(tenantOf(actor))).map(connectionView) };
  }

  @Get(':id')
  @RequireScope({ admin: 'admin:connections' })
  @ApiOperation({ summary: 'Read a connection' })
  async get(@CurrentActor() actor: Actor, @IdParam('Connection') id: string) {
    return connectionView(foundOrFail(await this.connections.findById(tenantOf(actor), id), 'Connection'));
  }

  @Post(':id/echo')
  @HttpCode(200)
  @RequireScope({ resourceType: 'Parameters', interaction: 'r' })
  @ApiOperation({ summary: 'Send a message through the transaction pipeline to an echo connection (metered and audited)' })
  @DocumentBody(echoSchema)
  echo(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @ValidBody(echoSchema) body: z.infer<typeof echoSchema>) {
    return this.echoes.echo(actor, tenantOf(actor), id, body.message, body.patientRef ?? null);
  }
}
