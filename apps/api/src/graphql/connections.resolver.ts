import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentActor, RequireScope } from '@sb/auth';
import {
  ConnectionKeysService,
  ConnectionService,
  ConnectionTestService,
  createConnectionSchema,
  SandboxProvisioner,
  generateKeySchema,
  putSecretSchema,
  statusChangeSchema,
  updateConnectionSchema,
  type CreateConnectionInput,
  type GenerateKeyInput,
  type UpdateConnectionInput,
} from '@sb/connections';
import { notFound, type Actor } from '@sb/core';
import type { SecretMetadata } from '@sb/db';
import { IdPipe, ZodPipe } from '@sb/http';
import { VaultService } from '@sb/vault';
import { tenantOf } from '../admin/tenant-of';
import { ConnectionViews } from '../admin/connection-views';
import { CreateConnectionInputType, GenerateKeyInputType, UpdateConnectionInputType } from './connection.inputs';
import {
  ConnectionHealthChangeModel,
  ConnectionKeyModel,
  ConnectionModel,
  ConnectionStatusEnum,
  ConnectionTestReportModel,
  SecretMetadataModel,
} from './connection.types';
import { AdminAudited } from '../console/admin-audit.interceptor';

const ADMIN = { admin: 'admin:connections' } as const;

const ConnectionId = (name: string): ParameterDecorator => Args(name, { type: () => ID }, new IdPipe('Connection'));

const secretMetadataOf = (s: SecretMetadata): SecretMetadataModel => ({
  name: s.name,
  version: s.version,
  fingerprint: s.fingerprint,
  byteLength: s.byteLength,
  expiresAt: s.expiresAt,
  kmsProvider: s.kmsProvider,
  kekId: s.kekId,
  kekVersion: s.kekVersion,
  createdAt: s.createdAt,
  lastUsedAt: s.lastUsedAt,
});

/** The admin connections API over GraphQL; same services, schemas and errors as the REST controllers. */
@AdminAudited()
@Resolver(() => ConnectionModel)
export class ConnectionsResolver {
  constructor(
    private readonly provisioner: SandboxProvisioner,
    private readonly connectionService: ConnectionService,
    private readonly tests: ConnectionTestService,
    private readonly keyService: ConnectionKeysService,
    private readonly vault: VaultService,
    private readonly views: ConnectionViews,
  ) {}

  @Query(() => [ConnectionModel], { name: 'connections', complexity: 10, description: "The tenant's connections" })
  @RequireScope({ admin: 'connections:read' })
  async list(@CurrentActor() actor: Actor): Promise<ConnectionModel[]> {
    const tenantId = tenantOf(actor);
    return this.views.many(tenantId, await this.connectionService.list(tenantId));
  }

  @Query(() => ConnectionModel, { name: 'connection', description: 'Unknown ids are an error (not_found), as on REST' })
  @RequireScope({ admin: 'connections:read' })
  async get(@CurrentActor() actor: Actor, @ConnectionId('id') id: string): Promise<ConnectionModel> {
    return this.views.one(await this.connectionService.get(tenantOf(actor), id));
  }

  @Mutation(() => ConnectionModel, { description: 'Create a connection to a hospital site (starts in draft)' })
  @RequireScope(ADMIN)
  async createConnection(
    @CurrentActor() actor: Actor,
    @Args('input', { type: () => CreateConnectionInputType }, new ZodPipe(createConnectionSchema)) input: CreateConnectionInput,
  ): Promise<ConnectionModel> {
    return this.views.one((await this.provisioner.create(actor, tenantOf(actor), input)).connection);
  }

  @Mutation(() => ConnectionModel, { description: "Update a connection's settings (only those of its vendor)" })
  @RequireScope(ADMIN)
  async updateConnection(
    @CurrentActor() actor: Actor,
    @ConnectionId('id') id: string,
    @Args('input', { type: () => UpdateConnectionInputType }, new ZodPipe(updateConnectionSchema)) input: UpdateConnectionInput,
  ): Promise<ConnectionModel> {
    return this.views.one(await this.connectionService.update(tenantOf(actor), id, input));
  }

  @Mutation(() => ConnectionModel, { description: 'Move through the lifecycle (live needs a passing test)' })
  @RequireScope(ADMIN)
  async setConnectionStatus(
    @CurrentActor() actor: Actor,
    @ConnectionId('id') id: string,
    @Args('status', { type: () => ConnectionStatusEnum }) status: string,
  ): Promise<ConnectionModel> {
    const body = new ZodPipe(statusChangeSchema).transform({ status });
    return this.views.one(await this.connectionService.setStatusAs(actor, tenantOf(actor), id, body.status));
  }

  @Mutation(() => ConnectionTestReportModel, { description: 'Run a live check and report each step' })
  @RequireScope(ADMIN)
  testConnection(@CurrentActor() actor: Actor, @ConnectionId('id') id: string): Promise<ConnectionTestReportModel> {
    return this.tests.run(actor, tenantOf(actor), id);
  }

  @Mutation(() => SecretMetadataModel, { description: 'Set or rotate a secret; write-only, so only its metadata comes back' })
  @RequireScope(ADMIN)
  async setConnectionSecret(
    @CurrentActor() actor: Actor,
    @ConnectionId('connectionId') connectionId: string,
    @Args('name') name: string,
    @Args('value') rawValue: string,
    @Args('expiresAt', { nullable: true, type: () => String, description: 'ISO date-time the value stops working (a client secret’s expiry)' }) expiresAt?: string | null,
  ): Promise<SecretMetadataModel> {
    const body = new ZodPipe(putSecretSchema).transform({ value: rawValue, expiresAt: expiresAt ?? undefined });
    const tenantId = tenantOf(actor);
    await this.connectionService.get(tenantId, connectionId);
    const value = Buffer.from(body.value, 'utf8');
    try {
      return secretMetadataOf(await this.vault.put(actor, { tenantId, connectionId, name }, value, { expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined }));
    } finally {
      value.fill(0);
    }
  }

  @Mutation(() => Boolean, { description: 'Delete every version of a secret' })
  @RequireScope(ADMIN)
  async deleteConnectionSecret(@CurrentActor() actor: Actor, @ConnectionId('connectionId') connectionId: string, @Args('name') name: string): Promise<boolean> {
    const tenantId = tenantOf(actor);
    await this.connectionService.get(tenantId, connectionId);
    await this.vault.delete(actor, { tenantId, connectionId, name });
    return true;
  }

  @Mutation(() => ConnectionKeyModel, { description: 'Generate (or import) a key pair; its public half is published in the connection JWKS' })
  @RequireScope(ADMIN)
  async generateConnectionKey(
    @CurrentActor() actor: Actor,
    @ConnectionId('connectionId') connectionId: string,
    @Args('input', { type: () => GenerateKeyInputType }, new ZodPipe(generateKeySchema)) input: GenerateKeyInput,
  ): Promise<ConnectionKeyModel> {
    const tenantId = tenantOf(actor);
    await this.connectionService.get(tenantId, connectionId);
    return this.keyService.create(actor, tenantId, connectionId, input);
  }

  @Mutation(() => ConnectionKeyModel, { description: 'Retire a key: unpublish it and destroy its private half' })
  @RequireScope(ADMIN)
  async retireConnectionKey(@CurrentActor() actor: Actor, @ConnectionId('connectionId') connectionId: string, @Args('kid') kid: string): Promise<ConnectionKeyModel> {
    const tenantId = tenantOf(actor);
    await this.connectionService.get(tenantId, connectionId);
    return this.keyService.retire(actor, tenantId, connectionId, kid);
  }

  // Field resolvers run without the global guard; the parent was loaded for this
  // actor's tenant, and the check below keeps it so should that ever change.
  @ResolveField(() => [SecretMetadataModel], { complexity: 10, description: 'Metadata only; values are never readable' })
  async secrets(@CurrentActor() actor: Actor, @Parent() connection: ConnectionModel): Promise<SecretMetadataModel[]> {
    return (await this.vault.list(ownTenant(actor, connection), connection.id)).map(secretMetadataOf);
  }

  @ResolveField(() => [ConnectionHealthChangeModel], { complexity: 10, description: 'The health monitor’s transitions, newest first (at most 100)' })
  healthChanges(@CurrentActor() actor: Actor, @Parent() connection: ConnectionModel): Promise<ConnectionHealthChangeModel[]> {
    return this.views.history({ tenantId: ownTenant(actor, connection), id: connection.id });
  }

  @ResolveField(() => [ConnectionKeyModel], { complexity: 10, description: 'Active, retiring (still published) and retired keys' })
  keys(@CurrentActor() actor: Actor, @Parent() connection: ConnectionModel): Promise<ConnectionKeyModel[]> {
    return this.keyService.list(ownTenant(actor, connection), connection.id);
  }
}

function ownTenant(actor: Actor, connection: ConnectionModel): string {
  if (tenantOf(actor) !== connection.tenantId) throw notFound('Connection');
  return connection.tenantId;
}
