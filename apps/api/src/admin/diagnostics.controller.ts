import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperatorOnly } from '@sb/auth';
import { ErrorCode, SbError } from '@sb/core';
import { JobName, QueueService } from '@sb/queue';
import { DocumentResponse } from '@sb/http';
import { workerPingSchema } from './response-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

const PING_TIMEOUT_MS = 10_000;

@ApiTags('diagnostics')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/diagnostics')
export class DiagnosticsController {
  constructor(private readonly queues: QueueService) {}

  @Post('worker-ping')
  @HttpCode(200)
  @OperatorOnly()
  @ApiOperation({ summary: 'Round-trip a job through Redis and the worker (operator only)' })
  @DocumentResponse(workerPingSchema)
  async workerPing() {
    const job = await this.queues.enqueue(JobName.Ping, null, { sentAt: new Date().toISOString() }, { attempts: 1 });
    try {
      return { jobId: job.id, result: await this.queues.waitForResult(job, PING_TIMEOUT_MS) };
    } catch (e) {
      throw new SbError(ErrorCode.DependencyUnavailable, 'The worker did not answer in time', { cause: e, details: { timeoutMs: PING_TIMEOUT_MS } });
    }
  }
}
