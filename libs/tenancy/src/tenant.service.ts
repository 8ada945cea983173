import { Injectable } from '@nestjs/common';
import { AuthenticationService } from '@sb/auth';
import { foundOrFail, notFound, type Actor } from '@sb/core';
import { ConnectionRepository, ConsoleUserRepository, Database, TenantRepository, type Tenant } from '@sb/db';
import type { CreateTenantInput, UpdateTenantInput } from './tenancy.schemas';

/** Name of the built-in test connection every tenant gets. */
export const ECHO_CONNECTION_NAME = 'Echo (built-in test connection)';

@Injectable()
export class TenantService {
  constructor(
    private readonly db: Database,
    private readonly tenants: TenantRepository,
    private readonly users: ConsoleUserRepository,
    private readonly connections: ConnectionRepository,
    private readonly authentication: AuthenticationService,
  ) {}

  /** Creates a tenant with its built-in echo connection and optional owner, atomically. */
  create(input: CreateTenantInput): Promise<Tenant> {
    return this.db.transaction(async (tx) => {
      const tenant = await this.tenants.create(tx, { name: input.name, slug: input.slug, plan: input.plan });
      await this.connections.create(tx, tenant.id, {
        name: ECHO_CONNECTION_NAME,
        vendor: 'echo',
        environment: 'sandbox',
        status: 'live',
      });
      if (input.owner) await this.users.create(tx, tenant.id, { ...input.owner, role: 'owner' });
      return tenant;
    });
  }

  /** Every tenant: the operator's view of the installation. */
  list(): Promise<Tenant[]> {
    return this.tenants.list();
  }

  /** The tenant if the actor may see it; another tenant's id is "not found", never forbidden. */
  async getForActor(actor: Actor, tenantId: string): Promise<Tenant> {
    if (actor.type !== 'operator' && actor.tenantId !== tenantId) throw notFound('Tenant');
    return foundOrFail(await this.tenants.findById(tenantId), 'Tenant');
  }

  async update(actor: Actor, tenantId: string, patch: UpdateTenantInput): Promise<Tenant> {
    await this.getForActor(actor, tenantId);
    const updated = foundOrFail(await this.tenants.update(tenantId, patch), 'Tenant');
    if (patch.status === 'suspended') await this.authentication.forgetTenant(tenantId);
    return updated;
  }
}
