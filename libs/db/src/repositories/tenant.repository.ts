import { Injectable } from '@nestjs/common';
import { ErrorCode, SbError } from '@sb/core';
import { unwrapTx, type DbTransaction } from '../database';
import type { Tenant, TenantStatus } from '../models';
import { isUniqueViolation } from '../prisma-errors';
import { PrismaService } from '../prisma.service';

export interface NewTenant {
  name: string;
  slug: string;
  plan?: string;
  bulkSignedUrls?: boolean;
}

export interface TenantPatch {
  name?: string;
  status?: TenantStatus;
  plan?: string;
}

@Injectable()
export class TenantRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(tx: DbTransaction, input: NewTenant): Promise<Tenant> {
    try {
      return await unwrapTx(tx).tenant.create({ data: input });
    } catch (e) {
      if (isUniqueViolation(e)) throw new SbError(ErrorCode.Conflict, 'A tenant with this slug already exists', { details: { field: 'slug' } });
      throw e;
    }
  }

  /** Every tenant, newest first (the operator's list; an installation has few enough to page later). */
  list(): Promise<Tenant[]> {
    return this.prisma.tenant.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
  }

  findById(tenantId: string): Promise<Tenant | null> {
    return this.prisma.tenant.findUnique({ where: { id: tenantId } });
  }

  findBySlug(slug: string): Promise<Tenant | null> {
    return this.prisma.tenant.findUnique({ where: { slug } });
  }

  /** Updates a tenant; null when it does not exist. */
  async update(tenantId: string, patch: TenantPatch): Promise<Tenant | null> {
    const { count } = await this.prisma.tenant.updateMany({ where: { id: tenantId }, data: patch });
    return count === 0 ? null : this.findById(tenantId);
  }
}
