import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperatorOnly } from '@sb/auth';
import { Hl7InboundRepository } from '@sb/db';
import { ValidQuery, DocumentResponse } from '@sb/http';
import { z } from 'zod';
import { hl7QuarantinePageSchema } from './response-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

const quarantineQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().regex(/^\d{1,19}$/, 'a cursor from a previous page').optional(),
});

@ApiTags('hl7')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/hl7/quarantine')
export class Hl7QuarantineController {
  constructor(private readonly inbound: Hl7InboundRepository) {}

  @Get()
  @OperatorOnly()
  @ApiOperation({ summary: 'HL7 v2 messages from senders no connection claims, newest first: sender, type, control id, error code, time — never content' })
  @DocumentResponse(hl7QuarantinePageSchema)
  async list(@ValidQuery(quarantineQuerySchema) query: z.infer<typeof quarantineQuerySchema>) {
    const rows = await this.inbound.listQuarantined(query.limit + 1, query.before !== undefined ? BigInt(query.before) : undefined);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { items: page.map(({ seq: _seq, ...row }) => row), next: rows.length > query.limit && last ? last.seq.toString() : null };
  }
}
