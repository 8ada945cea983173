import { Injectable } from '@nestjs/common';
import { ErrorCode, notFound, SbError, type Actor } from '@sb/core';
import { TenantRepository } from '@sb/db';

/**
 * The tenant a usage report reads. A tenant credential reads its own tenant (naming another is
 * a 404, as if it did not exist); the operator must name one, and it must exist.
 */
@Injectable()
export class UsageTenantResolver {
  constructor(private readonly tenants: TenantRepository) {}

  async resolve(actor: Actor, tenantId: string | undefined): Promise<string> {
    if (actor.type !== 'operator') {
      if (tenantId !== undefined && tenantId !== actor.tenantId) throw notFound('Tenant');
      return actor.tenantId;
    }
    if (tenantId === undefined) {
      throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'tenantId', message: 'required of the operator: the tenant to report on' }] });
    }
    if (!(await this.tenants.findById(tenantId))) throw notFound('Tenant');
    return tenantId;
  }
}
