import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireScope } from '@sb/auth';
import { BulkExportService } from '@sb/bulk-export';
import type { Actor } from '@sb/core';
import { DocumentResponse, IdParam } from '@sb/http';
import { bulkExportListSchema } from './response-schemas';
import { tenantOf } from './tenant-of';
import { AdminAudited } from '../console/admin-audit.interceptor';

/** A connection's recent Bulk Data exports, for the console and for clients that lost a status URL. No PHI: states and counts. */
@ApiTags('bulk-exports')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/connections/:id/bulk-exports')
export class BulkExportsController {
  constructor(private readonly bulk: BulkExportService) {}

  @Get()
  @RequireScope({ admin: 'connections:read' })
  @ApiOperation({ summary: 'The connection’s last 50 Bulk Data exports, newest first: level, group, state, progress, counts and the status URL' })
  @DocumentResponse(bulkExportListSchema)
  async list(@CurrentActor() actor: Actor, @IdParam('Connection') id: string) {
    return { items: await this.bulk.list(tenantOf(actor), id) };
  }
}
