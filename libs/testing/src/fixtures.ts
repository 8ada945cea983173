import type { TestingModule } from '@nestjs/testing';
import { ALL_TENANT_SCOPES, type Actor } from '@sb/core';
import { ConnectionRepository, type Connection, type Tenant } from '@sb/db';
import { TenantService } from '@sb/tenancy';
import { randomUUID } from 'node:crypto';

export interface TenantFixture {
  tenant: Tenant;
  echo: Connection;
  /** An API-key actor of this tenant with the given scopes (all tenant scopes by default). */
  actor: (scopes?: readonly string[]) => Actor;
}

/** Typed builders for integration tests (real rows through the real services). */
export class Fixtures {
  constructor(private readonly moduleRef: TestingModule) {}

  async newTenant(overrides: { name?: string; slug?: string } = {}): Promise<TenantFixture> {
    const suffix = randomUUID().slice(0, 8);
    const tenant = await this.moduleRef.get(TenantService).create({
      name: overrides.name ?? `Test tenant ${suffix}`,
      slug: overrides.slug ?? `t-${suffix}`,
    });
    const echo = await this.moduleRef.get(ConnectionRepository).findFirstByVendor(tenant.id, 'echo');
    if (!echo) throw new Error('tenant was created without its echo connection');
    return {
      tenant,
      echo,
      actor: (scopes = ALL_TENANT_SCOPES) => ({ type: 'api-key', id: randomUUID(), tenantId: tenant.id, scopes }),
    };
  }
}
