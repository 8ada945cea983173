import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireScope } from '@sb/auth';
import type { Actor } from '@sb/core';
import { ValidQuery } from '@sb/http';
import { MeteringService } from '@sb/metering';
import { z } from 'zod';
import { tenantOf } from './tenant-of';

const rangeSchema = z.strictObject({
  from: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
  to: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
});
const listSchema = rangeSchema.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.uuid().optional(),
});

@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1/usage')
export class UsageController {
  constructor(private readonly metering: MeteringService) {}

  @Get('events')
  @RequireScope({ admin: 'usage:read' })
  @ApiOperation({ summary: 'Usage events, newest first, with a `next` cursor' })
  async events(@CurrentActor() actor: Actor, @ValidQuery(listSchema) query: z.infer<typeof listSchema>) {
    const page = await this.metering.list(tenantOf(actor), query);
    return { items: page.items, next: page.nextCursor };
  }

  @Get('totals')
  @RequireScope({ admin: 'usage:read' })
  @ApiOperation({ summary: 'Transaction counts per connection, vendor, operation and outcome' })
  async totals(@CurrentActor() actor: Actor, @ValidQuery(rangeSchema) query: z.infer<typeof rangeSchema>) {
    return { items: await this.metering.totals(tenantOf(actor), query) };
  }
}
