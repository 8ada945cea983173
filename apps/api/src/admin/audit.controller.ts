import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService } from '@sb/audit';
import { CurrentActor, RequireScope } from '@sb/auth';
import { scopesGrant, type Actor } from '@sb/core';
import type { AuditRecord } from '@sb/db';
import { ValidQuery, DocumentResponse } from '@sb/http';
import { z } from 'zod';
import { tenantOf } from './tenant-of';
import { auditPageSchema, auditVerdictSchema } from './response-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

const sequence = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const listSchema = z
  .strictObject({
    /** `asc`: chain order (the default); `desc`: newest first. */
    order: z.enum(['asc', 'desc']).default('asc'),
    /** Only records after this sequence (exclusive). */
    after: sequence.optional(),
    /** Only records before this sequence (exclusive). */
    before: sequence.min(1).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .refine((q) => q.after === undefined || q.before === undefined || q.after < q.before, { path: ['after'], message: 'must be less than `before`' });

/** Who may see which patient a record is about: the PHI grant (a clinical read scope). */
const PATIENT_READ = { resourceType: 'Patient', interaction: 'r' } as const;

/**
 * A record as this actor may see it: without a clinical read scope the patient reference is
 * withheld (null, `patientRefHidden: true` when there was one), so the PHI never reaches the caller.
 */
const auditRecordView = (r: AuditRecord, showPatient: boolean) => ({ ...r, patientRef: showPatient ? r.patientRef : null, patientRefHidden: !showPatient && r.patientRef !== null });

@ApiTags('audit')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/audit-records')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @RequireScope({ admin: 'audit:read' })
  @ApiOperation({
    summary: 'Audit records in chain order, or newest first with order=desc',
    description:
      '`order=asc` (default): pass the answer’s `next` as `after`; `order=desc`: pass it as `before`. `after`/`before` bound the window ' +
      '(exclusive) in either order. `patientRef` is null with `patientRefHidden: true` for callers without a clinical read scope (the PHI grant).',
  })
  @DocumentResponse(auditPageSchema)
  async list(@CurrentActor() actor: Actor, @ValidQuery(listSchema) query: z.infer<typeof listSchema>) {
    const tenantId = tenantOf(actor);
    const showPatient = actor.type !== 'operator' && scopesGrant(actor.scopes, PATIENT_READ);
    if (query.order === 'asc') {
      const items = await this.audit.list(tenantId, { afterSequence: query.after ?? 0, beforeSequence: query.before, order: 'asc', limit: query.limit });
      return { items: items.map((r) => auditRecordView(r, showPatient)), next: items.length === query.limit ? (items.at(-1)?.sequence ?? null) : null };
    }
    // Newest first: one more than asked shows whether an older page exists (the chain only grows at the new end).
    const rows = await this.audit.list(tenantId, { afterSequence: query.after, beforeSequence: query.before, order: 'desc', limit: query.limit + 1 });
    const items = rows.slice(0, query.limit);
    return { items: items.map((r) => auditRecordView(r, showPatient)), next: rows.length > query.limit ? (items.at(-1)?.sequence ?? null) : null };
  }

  @Get('verify')
  @RequireScope({ admin: 'audit:read' })
  @ApiOperation({ summary: "Recompute the tenant's audit hash chain" })
  @DocumentResponse(auditVerdictSchema)
  verify(@CurrentActor() actor: Actor) {
    return this.audit.verify(tenantOf(actor));
  }
}
