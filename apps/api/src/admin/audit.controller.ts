import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService } from '@sb/audit';
import { CurrentActor, RequireScope } from '@sb/auth';
import type { Actor } from '@sb/core';
import { ValidQuery, DocumentResponse } from '@sb/http';
import { z } from 'zod';
import { tenantOf } from './tenant-of';
import { auditPageSchema, auditVerdictSchema } from './response-schemas';

const listSchema = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit-records')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @RequireScope({ admin: 'audit:read' })
  @ApiOperation({ summary: 'Audit records in chain order; `after` is the last sequence seen' })
  @DocumentResponse(auditPageSchema)
  async list(@CurrentActor() actor: Actor, @ValidQuery(listSchema) query: z.infer<typeof listSchema>) {
    const items = await this.audit.list(tenantOf(actor), { afterSequence: query.after, limit: query.limit });
    return { items, next: items.length === query.limit ? (items.at(-1)?.sequence ?? null) : null };
  }

  @Get('verify')
  @RequireScope({ admin: 'audit:read' })
  @ApiOperation({ summary: "Recompute the tenant's audit hash chain" })
  @DocumentResponse(auditVerdictSchema)
  verify(@CurrentActor() actor: Actor) {
    return this.audit.verify(tenantOf(actor));
  }
}
