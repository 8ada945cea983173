import { Controller, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireScope } from '@sb/auth';
import type { Actor } from '@sb/core';
import {
  ConnectionService,
  ConnectionTestService,
  createConnectionSchema,
  SandboxProvisioner,
  statusChangeSchema,
  updateConnectionSchema,
  type CreateConnectionInput,
  type UpdateConnectionInput,
} from '@sb/connections';
import { DocumentBody, IdParam, ValidBody, DocumentResponse } from '@sb/http';
import { EchoService } from '@sb/transactions';
import { z } from 'zod';
import { tenantOf } from './tenant-of';
import { ConnectionViews } from './connection-views';
import { connectionSchema, createdConnectionSchema, echoResultSchema, healthChangeSchema, itemsOf, testReportSchema } from './response-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

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
@AdminAudited()
@Controller('v1/connections')
export class ConnectionsController {
  constructor(
    private readonly connections: ConnectionService,
    private readonly tests: ConnectionTestService,
    private readonly provisioner: SandboxProvisioner,
    private readonly echoes: EchoService,
    private readonly views: ConnectionViews,
  ) {}

  @Post()
  @RequireScope({ admin: 'admin:connections' })
  @ApiOperation({
    summary: 'Create a connection (starts in draft); a sandbox Epic, Oracle or athena connection without endpoints wires itself to the built-in simulator and goes live',
  })
  @DocumentBody(createConnectionSchema)
  @DocumentResponse(createdConnectionSchema, 201)
  async create(@CurrentActor() actor: Actor, @ValidBody(createConnectionSchema) body: CreateConnectionInput) {
    const { connection, provisioning } = await this.provisioner.create(actor, tenantOf(actor), body);
    return { ...(await this.views.one(connection)), ...(provisioning ? { provisioning } : {}) };
  }

  @Get()
  @RequireScope({ admin: 'connections:read' })
  @ApiOperation({ summary: "List the tenant's connections" })
  @DocumentResponse(itemsOf(connectionSchema))
  async list(@CurrentActor() actor: Actor) {
    const tenantId = tenantOf(actor);
    return { items: await this.views.many(tenantId, await this.connections.list(tenantId)) };
  }

  @Get(':id')
  @RequireScope({ admin: 'connections:read' })
  @ApiOperation({ summary: 'Read a connection, with its health' })
  @DocumentResponse(connectionSchema)
  async get(@CurrentActor() actor: Actor, @IdParam('Connection') id: string) {
    return this.views.one(await this.connections.get(tenantOf(actor), id));
  }

  @Get(':id/health/changes')
  @RequireScope({ admin: 'connections:read' })
  @ApiOperation({ summary: 'The health monitor’s transitions of a connection, newest first (at most 100), each with the connection.health_changed event it raised' })
  @DocumentResponse(itemsOf(healthChangeSchema))
  async healthChanges(@CurrentActor() actor: Actor, @IdParam('Connection') id: string) {
    return { items: await this.views.history(await this.connections.get(tenantOf(actor), id)) };
  }

  @Patch(':id')
  @RequireScope({ admin: 'admin:connections' })
  @ApiOperation({ summary: "Update a connection's settings (only those of its vendor)" })
  @DocumentBody(updateConnectionSchema)
  @DocumentResponse(connectionSchema)
  async update(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @ValidBody(updateConnectionSchema) body: UpdateConnectionInput) {
    return this.views.one(await this.connections.update(tenantOf(actor), id, body));
  }

  @Post(':id/status')
  @HttpCode(200)
  @RequireScope({ admin: 'admin:connections' })
  @ApiOperation({ summary: 'Move through the lifecycle: draft → testing → live → disabled (live needs a passing test)' })
  @DocumentBody(statusChangeSchema)
  @DocumentResponse(connectionSchema)
  async setStatus(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @ValidBody(statusChangeSchema) body: z.infer<typeof statusChangeSchema>) {
    return this.views.one(await this.connections.setStatusAs(actor, tenantOf(actor), id, body.status));
  }

  @Post(':id/test')
  @HttpCode(200)
  @RequireScope({ admin: 'admin:connections' })
  @ApiOperation({ summary: 'Run a live check (FHIR: discovery, metadata, token; athena: token, practice access, departments, change feed; HL7 v2: MLLP session) and report each step' })
  @DocumentResponse(testReportSchema)
  test(@CurrentActor() actor: Actor, @IdParam('Connection') id: string) {
    return this.tests.run(actor, tenantOf(actor), id);
  }

  @Post(':id/echo')
  @HttpCode(200)
  @RequireScope({ resourceType: 'Parameters', interaction: 'r' })
  @ApiOperation({ summary: 'Send a message through the transaction pipeline to an echo connection (metered and audited)' })
  @DocumentBody(echoSchema)
  @DocumentResponse(echoResultSchema)
  echo(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @ValidBody(echoSchema) body: z.infer<typeof echoSchema>) {
    return this.echoes.echo(actor, tenantOf(actor), id, body.message, body.patientRef ?? null);
  }
}
