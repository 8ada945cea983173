import { Controller, Get, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, OperatorOnly, RequireScope } from '@sb/auth';
import { UsageAdjustmentsService } from '@sb/billing';
import { ErrorCode, SbError, type Actor } from '@sb/core';
import { DocumentBody, DocumentResponse, ValidBody, ValidQuery } from '@sb/http';
import type { Response } from 'express';
import {
  actingTenant,
  adjustmentTargetOf,
  adjustmentAnswerSchema,
  adjustmentPageSchema,
  createAdjustmentSchema,
  decodeCursor,
  encodeCursor,
  listAdjustmentsSchema,
  type CreateAdjustmentBody,
  type ListAdjustmentsQuery,
} from './corrections-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@ApiTags('billing')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/usage/adjustments')
export class UsageAdjustmentsController {
  constructor(private readonly adjustments: UsageAdjustmentsService) {}

  @Post()
  @HttpCode(201)
  @OperatorOnly()
  @ApiOperation({
    summary: 'Correct billable usage: void or amend transactions (listed, or one connection’s in [from, to)) with signed adjustment rows (operator only)',
    description:
      'Each billable usage event gets one row whose `unitsDelta` brings its effective units (its units plus earlier deltas) to 0 (void) or to `units` (amend); ' +
      'non-billable events and events already at that value are listed in `skipped`. Before its period closes a row changes the draft; after, it is a correction line on the next invoice. ' +
      'A transaction the tenant does not have is a 404 and nothing is written. `Idempotency-Key` is required: a repeat with the same body answers 200 with the first answer and `replayed: true`; with another body 409 `idempotency_key_reused`.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: '1–255 visible ASCII characters, unique per correction' })
  @DocumentBody(createAdjustmentSchema)
  @DocumentResponse(adjustmentAnswerSchema, 201)
  async create(
    @CurrentActor() actor: Actor,
    @ValidBody(createAdjustmentSchema) body: CreateAdjustmentBody,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (idempotencyKey === undefined || !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'Idempotency-Key', message: 'required: 1–255 visible ASCII characters' }] });
    }
    const answer = await this.adjustments.adjust(actor, { tenantId: body.tenantId, target: adjustmentTargetOf(body), action: body.action, units: body.units, reason: body.reason }, idempotencyKey);
    if (answer.replayed) res.status(200);
    return answer;
  }

  @Get()
  @RequireScope({ admin: 'usage:read' }, { operator: true })
  @ApiOperation({
    summary: 'Usage adjustments written in [from, to), newest first, with a `next` cursor (the operator names `tenantId`; a tenant sees its own)',
  })
  @DocumentResponse(adjustmentPageSchema)
  async list(@CurrentActor() actor: Actor, @ValidQuery(listAdjustmentsSchema) query: ListAdjustmentsQuery) {
    const tenantId = actingTenant(actor, query.tenantId);
    const rows = await this.adjustments.list(tenantId, {
      from: query.from,
      to: query.to,
      limit: query.limit + 1,
      after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    });
    const data = rows.slice(0, query.limit);
    const last = data.at(-1);
    return { data, next: rows.length > query.limit && last ? encodeCursor(last) : null };
  }
}
